/* Copy buttons for share links. Progressive: the link is visible text anyway, and the buttons
   stay hidden when JavaScript (or the clipboard) is unavailable. */
(function () {
  "use strict";
  var status = document.getElementById("copy-status");

  function say(message) {
    if (status) { status.textContent = message; }
  }

  var copyText = window.guideCopyText;

  document.querySelectorAll("[data-copy-target]").forEach(function (button) {
    var target = document.getElementById(button.getAttribute("data-copy-target"));
    if (!target) { return; }
    var label = button.firstChild.textContent;
    button.hidden = false;
    // With the button working, the link itself need not take room (it stays for no-JS use).
    if (target.classList.contains("share-url")) { target.classList.add("share-link-hidden"); target.tabIndex = -1; }
    button.addEventListener("click", function () {
      copyText((target.value || target.textContent).trim()).then(function () {
        button.firstChild.textContent = "Copied";
        say("Link copied to the clipboard.");
        window.setTimeout(function () { button.firstChild.textContent = label; }, 2000);
      }, function () {
        say("Could not copy: select the link and copy it by hand.");
      });
    });
  });
})();
