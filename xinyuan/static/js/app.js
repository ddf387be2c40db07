// Xinyuan front-end helpers. No inline scripts: everything is wired from data attributes.
(function () {
  "use strict";

  function pad(n) { return String(n).padStart(2, "0"); }

  function tickTimers() {
    document.querySelectorAll(".contact-timer").forEach(function (el) {
      var start = Date.parse(el.dataset.started);
      var end = el.dataset.ended ? Date.parse(el.dataset.ended) : Date.now();
      var secs = Math.max(0, Math.floor((end - start) / 1000));
      var mins = Math.floor(secs / 60);
      el.textContent = (mins >= 60 ? Math.floor(mins / 60) + ":" + pad(mins % 60) : pad(mins)) + ":" + pad(secs % 60);
      el.classList.toggle("over-min", mins >= Number(el.dataset.min) && mins < Number(el.dataset.max));
      el.classList.toggle("over-max", mins >= Number(el.dataset.max));
    });
  }

  function setupSilentTimers() {
    document.querySelectorAll(".silent-timer").forEach(function (box) {
      var button = box.querySelector(".silent-start");
      var out = box.querySelector(".silent-elapsed");
      var offer = box.querySelector(".silent-offer");
      var limit = Number(box.dataset.seconds || 120);
      var started = null;
      button.addEventListener("click", function () {
        started = Date.now();
        offer.classList.add("d-none");
      });
      setInterval(function () {
        if (started === null) { return; }
        var secs = Math.floor((Date.now() - started) / 1000);
        out.textContent = Math.floor(secs / 60) + ":" + pad(secs % 60);
        if (secs >= limit) { offer.classList.remove("d-none"); }
      }, 500);
    });
  }

  // Forms posted outside htmx carry the contact's current version (autosaves change it).
  document.addEventListener("submit", function (event) {
    var form = event.target;
    var current = document.getElementById("contact-version");
    if (current && form.classList && form.classList.contains("needs-version")) {
      var input = form.querySelector("input[name=version]");
      if (input) { input.value = current.value; }
    }
  }, true);

  document.addEventListener("DOMContentLoaded", function () {
    tickTimers();
    setInterval(tickTimers, 1000);
    setupSilentTimers();
  });
})();
