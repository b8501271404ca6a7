// The top bar's global search: Ctrl+K (or "/" outside a text field) focuses it from anywhere; htmx
// fills #global-search-results as one types; ArrowDown/ArrowUp move through the results, Enter
// opens the chosen one (or the full results page), Escape closes the list.
(function () {
  "use strict";
  function field() { return document.getElementById("global-search"); }
  function panel() { return document.getElementById("global-search-results"); }
  function items() { var p = panel(); return p ? Array.prototype.slice.call(p.querySelectorAll("a.dropdown-item")) : []; }
  function active() { var p = panel(); return p ? p.querySelector("a.dropdown-item.active") : null; }
  function open() { var p = panel(); if (p && p.children.length) p.classList.add("show"); }
  function close() { var p = panel(); if (p) p.classList.remove("show"); }
  function typing(target) {
    if (!target) return false;
    var tag = target.tagName;
    return tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT" || target.isContentEditable;
  }
  function move(step) {
    var list = items();
    if (!list.length) return;
    open();
    var current = active();
    var index = current ? list.indexOf(current) + step : (step > 0 ? 0 : list.length - 1);
    index = (index + list.length) % list.length;
    if (current) current.classList.remove("active");
    list[index].classList.add("active");
    list[index].setAttribute("aria-selected", "true");
    list[index].scrollIntoView({ block: "nearest" });
  }
  document.addEventListener("keydown", function (event) {
    var input = field();
    if (!input) return;
    var shortcut = (event.key === "k" || event.key === "K") && (event.ctrlKey || event.metaKey);
    if (shortcut || (event.key === "/" && !typing(event.target) && !event.ctrlKey && !event.metaKey && !event.altKey)) {
      event.preventDefault();
      input.focus();
      input.select();
      open();
      return;
    }
    if (event.target !== input) return;
    if (event.key === "ArrowDown") { event.preventDefault(); move(1); }
    else if (event.key === "ArrowUp") { event.preventDefault(); move(-1); }
    else if (event.key === "Escape") { event.preventDefault(); close(); input.blur(); }
    else if (event.key === "Enter") {
      var chosen = active();
      if (chosen && panel().classList.contains("show")) { event.preventDefault(); window.location.assign(chosen.href); }
    }
  });
  document.addEventListener("htmx:afterSwap", function (event) {
    if (event.target === panel()) {
      if (event.target.children.length && document.activeElement === field()) open(); else close();
    }
  });
  document.addEventListener("click", function (event) {
    var form = document.getElementById("global-search-form");
    if (form && !form.contains(event.target)) close();
  });
})();
