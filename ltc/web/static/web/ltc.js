// Page behaviours declared by data attributes, so that pages need no inline script (the
// Content-Security-Policy allows scripts from this site only).
//   <select data-autosubmit>            submits its form when changed
//   <form data-confirm="question">      asks before submitting
//   <button type=submit data-confirm="question">  asks before that button submits its form
//   <a data-history-back>               goes back when there is a page to go back to
//   <input type=checkbox data-check-all="selector">  ticks or clears every box the selector finds
//   <form method=get hx-target="#results">  a list's filters: on a phone the search stays and the
//                                        other filters fold behind a "Filters" toggle (ltc.css)
(function () {
  "use strict";
  function foldFilters() {
    document.querySelectorAll('form[method="get"][hx-target="#results"]').forEach(function (form) {
      var search = form.querySelector(":scope > div");
      if (!search || form.querySelector(".filters-toggle")) return;
      var holder = document.createElement("div");
      holder.className = "col-auto filters-toggle-holder";
      var toggle = document.createElement("button");
      toggle.type = "button";
      toggle.className = "btn btn-outline-secondary filters-toggle";
      toggle.setAttribute("aria-expanded", "false");
      toggle.textContent = document.body.getAttribute("data-filters-label") || "Filters";
      holder.appendChild(toggle);
      search.after(holder);
      form.classList.add("list-filters");
    });
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", foldFilters);
  else foldFilters();
  document.addEventListener("change", function (event) {
    var field = event.target.closest("[data-autosubmit]");
    if (field && field.form) field.form.submit();
  });
  document.addEventListener("submit", function (event) {
    var form = event.target.closest("form[data-confirm]");
    var button = event.submitter && event.submitter.hasAttribute("data-confirm") ? event.submitter : null;
    var question = button ? button.getAttribute("data-confirm") : form && form.getAttribute("data-confirm");
    if (question && !window.confirm(question)) event.preventDefault();
  }, true);
  document.addEventListener("click", function (event) {
    var back = event.target.closest("[data-history-back]");
    if (back && window.history.length > 1) {
      event.preventDefault();
      window.history.back();
    }
    var toggle = event.target.closest(".filters-toggle");
    if (toggle) {
      var open = toggle.form.classList.toggle("filters-open");
      toggle.setAttribute("aria-expanded", open ? "true" : "false");
    }
    var all = event.target.closest("[data-check-all]");
    if (all) {
      document.querySelectorAll(all.getAttribute("data-check-all")).forEach(function (box) {
        box.checked = all.checked;
      });
    }
  });
})();
