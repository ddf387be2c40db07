// The live board's chart (reports/board.html): drawn with ECharts from the numbers the board's
// part carries (a JSON script element, never run), again each time the poll replaces the part.
(function () {
  "use strict";
  var chart = null;
  var drawnOn = null;

  function draw() {
    var el = document.querySelector("[data-board-chart]");
    var source = document.getElementById("board-volume-data");
    if (!el || !source || !window.echarts || el === drawnOn) { return; }
    var data = JSON.parse(source.textContent);
    if (chart) { chart.dispose(); }
    chart = window.echarts.init(el, null, { renderer: "svg" });
    drawnOn = el;
    chart.setOption({
      animation: false,
      tooltip: { trigger: "axis" },
      legend: { top: 0, data: [el.dataset.labelToday, el.dataset.labelAverage] },
      grid: { left: 32, right: 8, top: 28, bottom: 22 },
      xAxis: { type: "category", data: data.hours },
      yAxis: { type: "value", minInterval: 1 },
      series: [
        { name: el.dataset.labelToday, type: "bar", data: data.today, itemStyle: { color: "#0d6efd" } },
        { name: el.dataset.labelAverage, type: "line", data: data.average, symbol: "none",
          lineStyle: { color: "#6c757d", type: "dashed" }, itemStyle: { color: "#6c757d" } }
      ]
    });
  }

  document.addEventListener("DOMContentLoaded", draw);
  document.addEventListener("htmx:load", draw);
  window.addEventListener("resize", function () { if (chart) { chart.resize(); } });
})();
