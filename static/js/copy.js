/* Copy buttons for share links. Progressive: the link is visible text anyway, and the buttons
   stay hidden when JavaScript (or the clipboard) is unavailable. */
(function () {
  "use strict";
  var status = document.getElementById("copy-status");

  function say(message) {
    if (status) { status.textContent = message; }
  }

  function copyText(text) {
    if (navigator.clipboard && window.isSecureContext) {
      return navigator.clipboard.writeText(text);
    }
    return new Promise(function (resolve, reject) {
      var area = document.createElement("textarea");
      area.value = text;
      area.setAttribute("readonly", "");
      area.style.position = "absolute";
      area.style.left = "-9999px";
      document.body.appendChild(area);
      area.select();
      var ok = false;
      try { ok = document.execCommand("copy"); } catch (e) { ok = false; }
      document.body.removeChild(area);
      if (ok) { resolve(); } else { reject(new Error("copy failed")); }
    });
  }

  document.querySelectorAll("[data-copy-target]").forEach(function (button) {
    var target = document.getElementById(button.getAttribute("data-copy-target"));
    if (!target) { return; }
    var label = button.firstChild.textContent;
    button.hidden = false;
    button.addEventListener("click", function () {
      copyText(target.textContent.trim()).then(function () {
        button.firstChild.textContent = "Copied";
        say("Link copied to the clipboard.");
        window.setTimeout(function () { button.firstChild.textContent = label; }, 2000);
      }, function () {
        say("Could not copy: select the link and copy it by hand.");
      });
    });
  });
})();
