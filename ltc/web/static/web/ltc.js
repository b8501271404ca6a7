// Page behaviours declared by data attributes, so that pages need no inline script (the
// Content-Security-Policy allows scripts from this site only).
//   <select data-autosubmit>            submits its form when changed
//   <form data-confirm="question">      asks before submitting
//   <a data-history-back>               goes back when there is a page to go back to
//   <input type=checkbox data-check-all="selector">  ticks or clears every box the selector finds
(function () {
  "use strict";
  document.addEventListener("change", function (event) {
    var field = event.target.closest("[data-autosubmit]");
    if (field && field.form) field.form.submit();
  });
  document.addEventListener("submit", function (event) {
    var form = event.target.closest("form[data-confirm]");
    if (form && !window.confirm(form.getAttribute("data-confirm"))) event.preventDefault();
  }, true);
  document.addEventListener("click", function (event) {
    var back = event.target.closest("[data-history-back]");
    if (back && window.history.length > 1) {
      event.preventDefault();
      window.history.back();
    }
    var all = event.target.closest("[data-check-all]");
    if (all) {
      document.querySelectorAll(all.getAttribute("data-check-all")).forEach(function (box) {
        box.checked = all.checked;
      });
    }
  });
})();
