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

  // Session: a heartbeat keeps a live call or the alerts signed in; elsewhere the page warns
  // before an idle sign-out (with "continue"); whatever was typed and not yet saved is kept in
  // this tab (sessionStorage) and put back after signing in again.
  var DRAFTS = "xinyuan-drafts";

  function formKey(form) { return window.location.pathname + "#" + (form.getAttribute("action") || form.id || ""); }

  function readDrafts() {
    try { return JSON.parse(window.sessionStorage.getItem(DRAFTS) || "{}"); } catch (e) { return {}; }
  }
  function writeDrafts(drafts) {
    try { window.sessionStorage.setItem(DRAFTS, JSON.stringify(drafts)); } catch (e) { /* full: skip */ }
  }
  function keepDraft(form) {
    var values = {};
    Array.prototype.forEach.call(form.elements, function (el) {
      if (!el.name || el.type === "hidden" || el.type === "submit" || el.type === "button" || el.disabled) { return; }
      if (el.type === "checkbox" || el.type === "radio") {
        if (el.checked) { values[el.name + "=" + el.value] = true; } else { values[el.name + "=" + el.value] = false; }
      } else {
        values[el.name] = el.value;
      }
    });
    var drafts = readDrafts();
    drafts[formKey(form)] = values;
    writeDrafts(drafts);
  }
  function dropDraft(form) {
    var drafts = readDrafts();
    if (drafts[formKey(form)]) { delete drafts[formKey(form)]; writeDrafts(drafts); }
  }
  function restoreDrafts() {
    var drafts = readDrafts();
    var restored = false;
    document.querySelectorAll("form[hx-post]").forEach(function (form) {
      var values = drafts[formKey(form)];
      if (!values) { return; }
      var changed = false;
      Object.keys(values).forEach(function (key) {
        var eq = key.indexOf("=");
        if (typeof values[key] === "boolean" && eq !== -1) {
          var box = form.querySelector("[name='" + key.slice(0, eq) + "'][value='" + key.slice(eq + 1) + "']");
          if (box && !box.disabled && box.checked !== values[key]) { box.checked = values[key]; changed = true; }
          return;
        }
        var el = form.elements.namedItem(key);
        if (el && !el.disabled && el.value !== values[key]) { el.value = values[key]; changed = true; }
      });
      if (changed) {
        restored = true;
        window.htmx.trigger(form, "change"); // saved now, with the version check of any save
      } else {
        dropDraft(form);
      }
    });
    var note = document.getElementById("draft-restored");
    if (restored && note) { note.classList.remove("d-none"); }
  }
  document.addEventListener("input", function (event) {
    var form = event.target.closest && event.target.closest("form[hx-post]");
    if (form) { keepDraft(form); }
  }, true);
  document.addEventListener("htmx:afterRequest", function (event) {
    if (!isSave(event) || !event.detail.successful) { return; }
    var text = (event.detail.xhr && event.detail.xhr.responseText) || "";
    var form = event.detail.elt.closest && event.detail.elt.closest("form");
    if (form && text.indexOf("alert-") === -1 && !event.detail.xhr.getResponseHeader("HX-Redirect")) { dropDraft(form); }
  });

  function setupSession() {
    var body = document.body;
    var url = body.dataset.sessionUrl;
    if (!url) { return; }
    var idle = Number(body.dataset.idleSeconds);
    var warn = Number(body.dataset.warnSeconds);
    var hardAt = Date.now() + Number(body.dataset.hardLeft) * 1000;
    var contact = body.dataset.keepaliveContact || "";
    var watch = body.dataset.keepaliveWatch === "1";
    // The heartbeat comes well before the warning, however short the idle timeout is set:
    // once a minute, more often when the warning would come sooner.
    var beat = Math.max(5000, Math.min(60000, (idle - warn) * 500));
    // When the server last noted activity (it does so at most once a minute, so not always at
    // this page's own request).
    var lastServer = Date.now() - (idle - Number(body.dataset.idleLeft || idle)) * 1000;
    var lastPing = Date.now();
    var interacted = false;
    var box = document.getElementById("idle-warning");
    var countdown = box && box.querySelector(".idle-countdown");
    var leaving = false;
    var signedOut = false;

    function csrf() {
      try { return JSON.parse(body.getAttribute("hx-headers"))["X-CSRFToken"]; } catch (e) { return ""; }
    }
    function ping(active) {
      lastPing = Date.now();
      var data = new URLSearchParams();
      data.set("active", active ? "1" : "0");
      if (contact) { data.set("contact", contact); }
      if (watch) { data.set("watch", "1"); }
      return window.fetch(url, {
        method: "POST", body: data, credentials: "same-origin",
        headers: {"X-CSRFToken": csrf(), "Content-Type": "application/x-www-form-urlencoded"}
      }).then(function (r) {
        if (r.redirected) { signedOut = true; } // sent to the sign-in page
        if (r.redirected || !r.ok) { return null; }
        return r.json();
      }).then(function (answer) {
        if (answer && answer.kept) { lastServer = Date.now(); }
        if (answer) { hardAt = Date.now() + answer.hard_left * 1000; }
        return answer;
      }).catch(function () { return null; });
    }
    ["keydown", "mousedown", "touchstart", "input"].forEach(function (name) {
      document.addEventListener(name, function () { interacted = true; }, true);
    });
    document.addEventListener("htmx:afterRequest", function (event) {
      if (isSave(event) && event.detail.successful) { lastServer = Date.now(); }
    });
    function leave() {
      if (leaving) { return; }
      leaving = true;
      document.querySelectorAll("form[hx-post]").forEach(keepDraft);
      flushThen(function () { window.location.reload(); }); // the server signs out and brings the user back here
      window.setTimeout(function () { window.location.reload(); }, 5000);
    }
    if (box) {
      box.querySelector(".idle-continue").addEventListener("click", function () {
        ping(true).then(function () {
          if (signedOut) { leave(); return; } // too late: keep the typing, sign in again
          box.classList.add("d-none");
        });
      });
    }
    window.setInterval(function () {
      var now = Date.now();
      if (now - lastPing >= beat && (interacted || contact || watch)) {
        ping(interacted);
        interacted = false;
      }
      var left = Math.min(idle * 1000 - (now - lastServer), hardAt - now);
      if (box && countdown) {
        var secs = Math.max(0, Math.ceil(left / 1000));
        countdown.textContent = Math.floor(secs / 60) + ":" + pad(secs % 60);
        box.classList.toggle("d-none", left > warn * 1000);
      }
      if (left <= 3000) { leave(); }
    }, 1000);
  }

  // The contact page: every stage is in the page; a tab, "next stage" or Alt+1…5 shows it
  // without a request (the address keeps ?stage=N for a reload). Alt+R goes to the risk
  // assessment, Alt+P to the safety plan, Alt+F to the follow-up.
  function showStage(n) {
    var panels = document.querySelectorAll("[data-stage-panel]");
    if (!panels.length) { return false; }
    panels.forEach(function (panel) { panel.hidden = panel.dataset.stagePanel !== String(n); });
    document.querySelectorAll(".stage-tabs [data-stage-tab]").forEach(function (tab) {
      tab.classList.toggle("active", tab.dataset.stageTab === String(n));
    });
    var url = new URL(window.location.href);
    url.searchParams.set("stage", n);
    window.history.replaceState(null, "", url);
    var first = document.querySelector("[data-stage-panel='" + n + "'] input:not([type=hidden]):not(.btn-check), [data-stage-panel='" + n + "'] select, [data-stage-panel='" + n + "'] textarea");
    if (first && !first.disabled) { first.focus({preventScroll: true}); }
    return true;
  }
  document.addEventListener("click", function (event) {
    var tab = event.target.closest && event.target.closest("[data-stage-tab]");
    if (!tab || event.ctrlKey || event.metaKey) { return; }
    if (showStage(tab.dataset.stageTab)) { event.preventDefault(); }
  }, true);
  var JUMPS = {r: "#risk-panel", p: "[data-testid=safety-plan-form]", f: "#follow-up-section"};
  document.addEventListener("keydown", function (event) {
    if (!event.altKey || event.ctrlKey || event.metaKey) { return; }
    var key = (event.key || "").toLowerCase();
    if (/^[1-5]$/.test(key) && showStage(key)) { event.preventDefault(); return; }
    var code = (event.code || "").replace(/^Digit/, "");
    if (/^[1-5]$/.test(code) && showStage(code)) { event.preventDefault(); return; }
    var target = JUMPS[key] || JUMPS[(event.code || "").replace(/^Key/, "").toLowerCase()];
    var box = target && document.querySelector(target);
    if (box) {
      event.preventDefault();
      box.scrollIntoView({block: "start"});
      var field = box.querySelector("input:not([type=hidden]), select, textarea");
      if (field) { field.focus({preventScroll: true}); }
    }
  });

  // An assessment saved in place that brings the crisis-now panel: it is the first thing to
  // read, so the page goes to it (a panel already shown stays where the counsellor is).
  var crisisShown = null;
  document.addEventListener("htmx:oobBeforeSwap", function (event) {
    var target = event.detail && event.detail.target;
    if (target && target.id === "crisis-now-slot") { crisisShown = !!target.querySelector("#crisis-now"); }
  });
  document.addEventListener("htmx:oobAfterSwap", function (event) {
    var target = event.detail && event.detail.target;
    if (!target || target.id !== "crisis-now-slot") { return; }
    var slot = document.getElementById("crisis-now-slot");
    if (crisisShown === false && slot && slot.querySelector("#crisis-now")) { window.scrollTo({top: 0}); }
    crisisShown = null;
  });

  // Problems are ticked most urgent first: the order is kept in the hidden problem_order field
  // (before htmx reads the form on this change) and shown on the chips.
  function numberChips(box) {
    var input = box.closest("form").querySelector("input[name='" + box.dataset.ordered + "']");
    var order = input ? input.value.split(",").filter(Boolean) : [];
    box.querySelectorAll("input.btn-check").forEach(function (el) {
      var badge = box.querySelector("label[for='" + el.id + "'] .chip-order");
      var at = order.indexOf(el.value);
      if (badge) { badge.textContent = el.checked && at !== -1 ? (at + 1) + " " : ""; }
    });
  }
  document.addEventListener("change", function (event) {
    var box = event.target.closest && event.target.closest("[data-ordered]");
    if (!box || !event.target.classList.contains("btn-check")) { return; }
    var input = box.closest("form").querySelector("input[name='" + box.dataset.ordered + "']");
    if (!input) { return; }
    var order = input.value.split(",").filter(Boolean).filter(function (c) { return c !== event.target.value; });
    if (event.target.checked) { order.push(event.target.value); }
    input.value = order.join(",");
    numberChips(box);
  }, true);

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-ordered]").forEach(numberChips);
    tickTimers();
    setInterval(tickTimers, 1000);
    setupSilentTimers();
    setupSession();
    restoreDrafts();
    // A form refused and shown again: bring its first error into view (not the top of a long
    // page) and put the cursor there.
    var error = document.querySelector("main .invalid-feedback, main form .alert-danger");
    if (error) {
      error.scrollIntoView({block: "center"});
      var field = error.parentElement && error.parentElement.querySelector("input, select, textarea");
      if (field) { field.focus({preventScroll: true}); }
    }
  });
})();
