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

  // Only the latest attempt's error is shown: the previous one goes when a new attempt
  // starts, and when the dialog is closed (reopening it starts clean).
  function clearError(form) {
    form.querySelectorAll("[data-connect-error]").forEach(function (node) { node.remove(); });
    var input = form.querySelector("input[type=password]");
    if (!input) return;
    input.removeAttribute("aria-invalid");
    input.removeAttribute("aria-describedby");
  }

  document.querySelectorAll("dialog").forEach(function (dialog) {
    dialog.addEventListener("close", function () {
      if (dialog.hasAttribute("data-reopening")) {
        dialog.removeAttribute("data-reopening");
        return;
      }
      dialog.querySelectorAll("form[data-connect-form]").forEach(function (form) {
        clearError(form);
        form.reset();
      });
    });
  });

  // The server re-opened the dialog to show an error: make it a real modal.
  document.querySelectorAll("dialog[open]").forEach(function (dialog) {
    if (!supportsDialog(dialog)) return;
    dialog.setAttribute("data-reopening", "");  // this close keeps the server's error
    dialog.close();
    dialog.showModal();
    var input = dialog.querySelector("input[type=password]");
    if (input) input.focus();
  });

  // Checking a key takes a few calls to Ashby: say so, and stop double submissions.
  document.querySelectorAll("form[data-connect-form]").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      if (event.submitter && event.submitter.getAttribute("formmethod") === "dialog") return;
      clearError(form);
      var button = form.querySelector("[data-busy-label]");
      if (!button) return;
      button.textContent = button.getAttribute("data-busy-label");
      button.disabled = true;
    });
  });
})();
