/* The Connect dialog, as a progressive enhancement: without JavaScript the Connect and
   Replace key buttons are plain links to the full-page form, and a failed attempt from the
   dialog comes back as the page with the dialog already open. */
(function () {
  "use strict";

  function supportsDialog(dialog) {
    return dialog && typeof dialog.showModal === "function";
  }

  document.querySelectorAll("[data-open-dialog]").forEach(function (opener) {
    var dialog = document.getElementById(opener.getAttribute("data-open-dialog"));
    if (!supportsDialog(dialog)) return; // an old browser follows the link instead
    opener.addEventListener("click", function (event) {
      event.preventDefault();
      dialog.showModal();
      var input = dialog.querySelector("input[type=password]");
      if (input) input.focus();
    });
  });

  // The server re-opened the dialog to show an error: make it a real modal.
  document.querySelectorAll("dialog[open]").forEach(function (dialog) {
    if (!supportsDialog(dialog)) return;
    dialog.close();
    dialog.showModal();
    var input = dialog.querySelector("input[type=password]");
    if (input) input.focus();
  });

  // Checking a key takes a few calls to Ashby: say so, and stop double submissions.
  document.querySelectorAll("form[data-connect-form]").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      if (event.submitter && event.submitter.getAttribute("formmethod") === "dialog") return;
      var button = form.querySelector("[data-busy-label]");
      if (!button) return;
      button.textContent = button.getAttribute("data-busy-label");
      button.disabled = true;
    });
  });
})();
