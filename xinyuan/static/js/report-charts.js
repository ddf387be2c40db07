// Charts of the report page (Apache ECharts). The figures come from a JSON data block the
// server wrote (no inline script under the Content-Security-Policy; the canvas renderer sets
// styles through the CSSOM only, which the policy allows); the tables beside each
// chart hold the same figures for readers without JavaScript or a screen reader.
(function () {
  "use strict";
  function draw() {
    if (!window.echarts) { return; }
    document.querySelectorAll("[data-chart]").forEach(function (box) {
      var source = document.getElementById(box.dataset.chart);
      if (!source) { return; }
      var data = JSON.parse(source.textContent);
      var chart = window.echarts.init(box, null, { renderer: "canvas" });
      chart.setOption({
        animation: false,
        grid: { left: 40, right: 12, top: 16, bottom: data.rotate ? 80 : 30 },
        tooltip: { trigger: "axis" },
        xAxis: { type: "category", data: data.labels, axisLabel: { interval: 0, rotate: data.rotate || 0 } },
        yAxis: { type: "value", minInterval: 1 },
        series: [{ type: "bar", data: data.values, name: data.name, itemStyle: { color: "#0d6efd" } }]
      });
      window.addEventListener("resize", function () { chart.resize(); });
    });
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", draw);
  } else {
    draw();
  }
})();
