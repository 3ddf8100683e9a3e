// hmis-access progressive enhancement. Every page works without this file; with it:
// - password fields get a working "Show"/"Hide" toggle;
// - new-password forms get the live strength meter (scored by the wasm module in a Web Worker,
//   the same policy code the server runs), rule ticks and a "passwords match" line.
// No framework, no inline script (the CSP forbids it), loaded with `defer` on every page.
(function () {
  "use strict";
  // Named once: scripts/build rewrites it to the worker's content-hashed URL.
  var METER_WORKER = "/js/meter-worker.js";

  function setupToggles() {
    document.querySelectorAll("button[data-toggle-for]").forEach(function (btn) {
      var input = document.getElementById(btn.getAttribute("data-toggle-for"));
      if (!input) return;
      btn.hidden = false;
      btn.addEventListener("click", function () {
        var show = input.type === "password";
        input.type = show ? "text" : "password";
        btn.textContent = show ? "Hide" : "Show";
        btn.setAttribute("aria-pressed", show ? "true" : "false");
        btn.setAttribute("aria-label", show ? "Hide password" : "Show password");
      });
    });
  }

  function setText(id, text) {
    var el = document.getElementById(id);
    if (el) el.textContent = text || "";
  }

  function setupMeter() {
    var box = document.querySelector("[data-new-password]");
    if (!box || typeof Worker === "undefined") return;
    var pw = document.getElementById("new-password");
    var confirm = document.getElementById("confirm-password");
    var strength = document.getElementById("strength");
    var inputs = JSON.parse(box.getAttribute("data-user-inputs") || "{}");
    var policy = JSON.parse(box.getAttribute("data-policy") || "{}");
    // {bytes, report}: domain's answer for any input over its byte ceiling (the same for all).
    var overCeiling = JSON.parse(box.getAttribute("data-over-ceiling") || "null");
    var utf8 = typeof TextEncoder === "undefined" ? null : new TextEncoder();
    var worker;
    try {
      worker = new Worker(METER_WORKER, { type: "module" });
    } catch (e) {
      return; // no meter; the server still checks every rule
    }
    var lastSent = 0;
    var provisional = false; // the last thing shown is the page's own "too long" report
    var lastReport = null;
    // After a refused submit the server's verdict is on the page; keep it until the person types.
    var serverVerdictShown = !strength.hidden;

    worker.onmessage = function (event) {
      var data = event.data;
      if (!data || data.error || data.id !== lastSent) return; // stale or failed: newest wins
      provisional = false;
      render(data.report);
    };

    function send() {
      lastSent += 1;
      // A paste over the byte ceiling is answered now, not when the module has loaded (on a
      // slow phone that can take seconds); the worker's answer for it is the same report.
      // UTF-16 length <= UTF-8 bytes <= 3 x UTF-16 length, so most values need no encoding.
      var n = pw.value.length;
      var over = overCeiling && utf8 && n * 3 > overCeiling.bytes && (n > overCeiling.bytes || utf8.encode(pw.value).length > overCeiling.bytes);
      if (over) {
        render(overCeiling.report);
        provisional = true;
      } else if (provisional && box.getAttribute("data-meter") !== "ready") {
        // Shortened again before the module has arrived: "too long" no longer holds; show
        // nothing until it answers. (Once it is ready its answer follows within milliseconds.)
        provisional = false;
        render(pendingReport(lastReport));
      }
      worker.postMessage({ id: lastSent, password: pw.value, inputs: inputs, policy: policy });
    }

    // `report` with every rule pending and no verdict: what an empty field shows.
    function pendingReport(report) {
      return {
        acceptable: false, label: "", problems: [],
        verdict: { score: null, crack_time: null, warning: null, suggestions: [], too_long: false, too_short: false },
        checks: report.checks.map(function (c) { return { rule: c.rule, met: false, label: c.label }; }),
        pending: true
      };
    }

    function render(report) {
      lastReport = report;
      if (serverVerdictShown && pw.value.length === 0) return;
      var v = report.verdict;
      var empty = pw.value.length === 0 || report.pending === true;
      strength.hidden = empty;
      box.setAttribute("data-acceptable", report.acceptable ? "true" : "false");
      strength.setAttribute("data-score", v.score === null ? "none" : String(v.score));
      setText("strength-label", v.too_long ? "Too long" : report.label);
      setText("strength-score", v.score === null ? "–" : String(v.score));
      setText("strength-crack", v.crack_time ? "Time to guess: " + v.crack_time : "");
      var warning = v.too_long ? report.problems[0] : v.too_short && !empty ? report.problems[0] : v.warning;
      setText("strength-warning", warning);
      var list = document.getElementById("strength-suggestions");
      if (list) {
        list.textContent = "";
        (v.too_long ? [] : v.suggestions).forEach(function (s) {
          var li = document.createElement("li");
          li.textContent = s;
          list.appendChild(li);
        });
      }
      report.checks.forEach(function (c) {
        var li = document.querySelector('#password-rules li[data-rule="' + c.rule + '"]');
        if (!li) return;
        var state = empty ? "pending" : c.met ? "met" : "unmet";
        li.setAttribute("data-state", state);
        var sr = li.querySelector(".rule-state");
        if (sr) sr.textContent = empty ? "" : c.met ? " (done)" : " (not yet)";
      });
      updateMatch();
    }

    function updateMatch() {
      var el = document.getElementById("match-status");
      if (!el || !confirm) return;
      if (confirm.value.length === 0) {
        el.setAttribute("data-state", "pending");
        el.textContent = "";
      } else if (confirm.value.normalize("NFC") === pw.value.normalize("NFC")) {
        el.setAttribute("data-state", "met");
        el.textContent = "The two passwords match.";
      } else {
        el.setAttribute("data-state", "unmet");
        el.textContent = "The two passwords are not the same yet.";
      }
    }

    // Once the person edits a field the server marked, the mark (red border) no longer applies.
    function clearServerMark(el) {
      el.removeAttribute("aria-invalid");
    }
    pw.addEventListener("input", function () {
      serverVerdictShown = false;
      clearServerMark(pw);
      send();
    });
    if (confirm) {
      confirm.addEventListener("input", function () {
        clearServerMark(confirm);
        updateMatch();
      });
    }
    // Warm the module up before the first keystroke (zxcvbn builds its dictionaries once).
    send();
    box.setAttribute("data-meter", "loading");
    worker.addEventListener("message", function () {
      box.setAttribute("data-meter", "ready");
    });
    // Autofilled or restored values fire no input event (RB-24).
    if (pw.value) send();
    window.hmisMeter = {
      // Used by the end-to-end tests to compare the browser's verdict with the server's.
      score: function (password, extraInputs) {
        return new Promise(function (resolve) {
          var id = "probe-" + Math.random();
          function onMsg(e) {
            if (e.data && e.data.id === id) {
              probe.terminate();
              resolve(e.data.report);
            }
          }
          var probe = new Worker(METER_WORKER, { type: "module" });
          probe.onmessage = onMsg;
          probe.postMessage({ id: id, password: password, inputs: extraInputs || inputs, policy: policy });
        });
      },
      last: function () { return lastReport; }
    };
  }

  // A double tap on "Save" must not send the form twice (the second post would find the link
  // already used and show an alarming page). Without JavaScript the server still copes.
  function setupSingleSubmit() {
    document.querySelectorAll("form[method=post]").forEach(function (form) {
      form.addEventListener("submit", function (event) {
        if (form.getAttribute("data-submitting") === "true") {
          event.preventDefault();
          return;
        }
        form.setAttribute("data-submitting", "true");
        form.querySelectorAll("button[type=submit]").forEach(function (b) {
          b.setAttribute("aria-disabled", "true");
        });
      });
    });
    // Coming back with the browser's Back button must not leave the form stuck.
    window.addEventListener("pageshow", function () {
      document.querySelectorAll("form[data-submitting]").forEach(function (f) {
        f.removeAttribute("data-submitting");
      });
    });
  }

  function start() {
    setupToggles();
    setupMeter();
    setupSingleSubmit();
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
