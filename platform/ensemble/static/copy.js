/* A « Copier » button next to a read-only field: <button data-copy="field-id" hidden>.
   The button stays hidden without JavaScript (the field can still be selected by hand).
   The result is announced in the element named by data-copy-status (role="status"). */
(function () {
  "use strict";
  function announce(button, text) {
    var status = document.getElementById(button.getAttribute("data-copy-status"));
    if (status) { status.textContent = text; }
  }
  function fallback(field) {
    field.focus();
    field.select();
    try { return document.execCommand("copy"); } catch (e) { return false; }
  }
  document.querySelectorAll("button[data-copy]").forEach(function (button) {
    var field = document.getElementById(button.getAttribute("data-copy"));
    if (!field) { return; }
    button.hidden = false;
    button.addEventListener("click", function () {
      var done = button.getAttribute("data-copied");
      var failed = button.getAttribute("data-copy-failed");
      field.select();
      if (navigator.clipboard && window.isSecureContext) {
        navigator.clipboard.writeText(field.value).then(
          function () { announce(button, done); },
          function () { announce(button, fallback(field) ? done : failed); }
        );
      } else {
        announce(button, fallback(field) ? done : failed);
      }
    });
  });
})();
