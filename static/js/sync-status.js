/* Guide: live sync progress on the Integrations panel.
   While a sync is queued or running, poll the JSON status endpoint every few seconds and
   swap in the server-rendered block (same template as the first render), so the progress
   bar moves without reloading the page. Stops polling once the sync has finished. */
(function () {
  "use strict";
  var INTERVAL_MS = 2000;

  function poll(block) {
    var url = block.getAttribute("data-status-url");
    window.setTimeout(function () {
      fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" })
        .then(function (response) {
          if (!response.ok) { throw new Error("HTTP " + response.status); }
          return response.json();
        })
        .then(function (data) {
          var holder = document.createElement("div");
          holder.innerHTML = data.html;
          var fresh = holder.querySelector("#sync-status");
          if (!fresh) { return; }
          block.replaceWith(fresh);
          if (data.active) { poll(fresh); }
        })
        .catch(function () { poll(block); });
    }, INTERVAL_MS);
  }

  function start() {
    var block = document.getElementById("sync-status");
    if (block && block.getAttribute("data-active") === "true") { poll(block); }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
