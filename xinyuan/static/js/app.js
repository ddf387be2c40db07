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

  // Autosave guard: a form with unsaved typing, or a save still on its way, is flushed before
  // the counsellor leaves the page (stage tabs, links, other forms); closing the tab warns.
  var dirty = new Set();
  var saving = 0;
  var pending = null; // function to run once everything is saved
  var failed = false;

  function markDirty(event) {
    var form = event.target.closest && event.target.closest("form[hx-post]");
    if (form) { dirty.add(form); }
  }
  document.addEventListener("input", markDirty, true);
  document.addEventListener("change", markDirty, true);

  function isSave(event) {
    return event.detail && event.detail.requestConfig && event.detail.requestConfig.verb === "post";
  }
  document.addEventListener("htmx:beforeRequest", function (event) {
    if (!isSave(event)) { return; }
    saving += 1;
    var form = event.detail.elt.closest && event.detail.elt.closest("form");
    if (form) { dirty.delete(form); }
  });
  document.addEventListener("htmx:afterRequest", function (event) {
    if (!isSave(event)) { return; }
    saving = Math.max(0, saving - 1);
    var text = (event.detail.xhr && event.detail.xhr.responseText) || "";
    if (!event.detail.successful || text.indexOf("alert-") !== -1) {
      failed = true; // an error or a conflict: stay on the page so the message is seen
    }
    settle();
  });

  function settle() {
    if (pending === null || saving > 0 || dirty.size > 0) { return; }
    var next = pending;
    pending = null;
    if (failed) { failed = false; return; }
    next();
  }

  function flushThen(next) {
    failed = false;
    pending = next;
    dirty.forEach(function (form) { window.htmx.trigger(form, "change"); });
    settle();
  }

  function hasUnsaved() { return dirty.size > 0 || saving > 0; }

  document.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest("a[href]");
    if (!link || event.defaultPrevented || link.target || event.ctrlKey || event.metaKey) { return; }
    if (!hasUnsaved()) { return; }
    event.preventDefault();
    flushThen(function () { window.location.href = link.href; });
  });

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (form.hasAttribute("hx-post") || !hasUnsaved()) { return; }
    event.preventDefault();
    flushThen(function () { form.submit(); });
  });

  window.addEventListener("beforeunload", function (event) {
    if (hasUnsaved()) {
      event.preventDefault();
      event.returnValue = "";
    }
  });

  document.addEventListener("DOMContentLoaded", function () {
    tickTimers();
    setInterval(tickTimers, 1000);
    setupSilentTimers();
  });
})();
