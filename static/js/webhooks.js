/* Configure Webhooks page: copy buttons, and rows that follow Ashby's pings with no reload.
   Vendored (no CDN). Works without it: the values stay selectable and a reload shows status. */
(function () {
  "use strict";

  var BADGE = { connected: "ok", failing: "bad", quiet: "warn", rotated: "warn", waiting: "" };
  var POLL_MS = 3000;
  var HIDDEN_POLL_MS = 15000;

  var copyText = window.guideCopyText;

  function selectText(node) {
    var range = document.createRange();
    range.selectNodeContents(node);
    var selection = window.getSelection();
    selection.removeAllRanges();
    selection.addRange(range);
  }

  function onCopy(button) {
    var row = button.closest("[data-event]");
    var field = button.getAttribute("data-copy-field");
    var value = row && row.querySelector('[data-field="' + field + '"]');
    if (!value) { return; }
    var label = button.textContent;
    copyText(value.textContent.trim()).then(function () {
      button.textContent = "Copied";
      button.setAttribute("data-copied", "");
    }, function () {
      selectText(value);  // the user can still press Ctrl+C
      button.textContent = "Press Ctrl+C";
    }).then(function () {
      window.setTimeout(function () {
        button.textContent = label;
        button.removeAttribute("data-copied");
      }, 1500);
    });
  }

  function applyRow(row, data) {
    if (row.getAttribute("data-state") === data.state &&
        row.querySelector('[data-role="reason"]').textContent === data.reason) { return; }
    row.setAttribute("data-state", data.state);
    var badge = row.querySelector('[data-role="state"]');
    badge.textContent = data.state_label;
    badge.className = "badge " + (BADGE[data.state] || "");
    var reason = row.querySelector('[data-role="reason"]');
    reason.textContent = data.reason;
    reason.classList.toggle("error", data.state === "failing");
    var fresh = row.querySelector('[data-role="new-secret"]');
    if (fresh && data.state !== "rotated") { fresh.remove(); }  // Ashby signs with it now
  }

  function applyStatus(container, status) {
    status.rows.forEach(function (data) {
      var row = container.querySelector('[data-event="' + data.event + '"]');
      if (row) { applyRow(row, data); }
    });
    var summary = document.querySelector('[data-role="summary"]');
    if (summary && summary.textContent !== status.summary.text) {
      summary.textContent = status.summary.text;
      summary.setAttribute("data-connected", status.summary.connected);
      summary.classList.toggle("on", status.summary.all_on);
    }
  }

  function poll(container) {
    var url = container.getAttribute("data-status-url");
    var schedule = function () {
      window.setTimeout(tick, document.hidden ? HIDDEN_POLL_MS : POLL_MS);
    };
    var tick = function () {
      fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (response) { return response.ok ? response.json() : null; })
        .then(function (status) { if (status) { applyStatus(container, status); } })
        .catch(function () { /* offline for a moment: the next tick tries again */ })
        .then(schedule);
    };
    schedule();
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest("button[data-copy-field]");
    if (button) { onCopy(button); }
  });

  var container = document.getElementById("webhook-rows");
  if (container && window.fetch) { poll(container); }
})();
