// Keyboard shortcuts and the quick-create modal of the top bar ("+" menu).
//   c then l / a / t / d   quick-create a lead / account / activity / deal (the menu's items:
//                          a kind the user may not create has no item, so its keys do nothing)
//   g then h / i / l / d / c   go home / inbox / leads / deals / calendar (URLs on #quick-menu)
//   ?                      the help listing every shortcut
// Keys are ignored while typing in a field, with Ctrl/Alt/Meta held, and while a dialog is open.
// The modal's content comes from htmx: field errors come back as 422 and are shown in the modal;
// a saved record answers with HX-Redirect to its page.
(function () {
  "use strict";
  var CREATE = { l: "lead", a: "account", t: "activity", d: "deal" };
  var GO = { h: 1, i: 1, l: 1, d: 1, c: 1 };
  var pending = "";
  var timer = null;

  function typing(target) {
    if (!target) return false;
    var tag = target.tagName;
    return tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT" || target.isContentEditable;
  }
  function dialogOpen() { return !!document.querySelector(".modal.show"); }
  function menu() { return document.getElementById("quick-menu"); }
  function remember(key) {
    pending = key;
    window.clearTimeout(timer);
    timer = window.setTimeout(function () { pending = ""; }, 1500);
  }
  function openItem(element) {
    if (!element) return false;
    element.click();
    return true;
  }

  document.addEventListener("keydown", function (event) {
    if (event.defaultPrevented || event.ctrlKey || event.metaKey || event.altKey) return;
    if (typing(event.target) || dialogOpen() || !menu()) return;
    var key = event.key;
    var first = pending;
    pending = "";
    if (key === "?") {
      if (openItem(document.getElementById("shortcuts-help-link"))) event.preventDefault();
      return;
    }
    if (first === "c" && CREATE[key]) {
      if (openItem(menu().querySelector('[data-quick-kind="' + CREATE[key] + '"]'))) event.preventDefault();
      return;
    }
    if (first === "g" && GO[key]) {
      var url = menu().getAttribute("data-go-" + key);
      if (url) { event.preventDefault(); window.location.assign(url); }
      return;
    }
    if (key === "c" || key === "g") remember(key);
  });

  // The record the page shows, for an activity on it or a deal for its account.
  function pageRecord() {
    var path = window.location.pathname;
    var match = path.match(/^\/leads\/(\d+)\//);
    if (match) return { on: "lead:" + match[1] };
    match = path.match(/^\/opportunities\/(\d+)\//);
    if (match) return { on: "opportunity:" + match[1] };
    match = path.match(/^\/customers\/accounts\/(\d+)\//);
    if (match) return { account: match[1] };
    return {};
  }
  document.addEventListener("htmx:configRequest", function (event) {
    var item = event.detail.elt;
    if (!item || !item.getAttribute) return;
    var kind = item.getAttribute("data-quick-kind");
    var record = pageRecord();
    if (kind === "activity" && record.on) event.detail.parameters.on = record.on;
    if (kind === "deal" && record.account) event.detail.parameters.account = record.account;
  });

  // Field errors answer 422: show them in the modal instead of dropping the answer.
  document.addEventListener("htmx:beforeSwap", function (event) {
    var target = event.detail.target;
    if (target && target.id === "quick-modal-body" && event.detail.xhr.status === 422) {
      event.detail.shouldSwap = true;
      event.detail.isError = false;
    }
  });
  document.addEventListener("htmx:afterSwap", function (event) {
    if (!event.detail.target || event.detail.target.id !== "quick-modal-body") return;
    var field = event.detail.target.querySelector(".is-invalid, input:not([type=hidden]), select, textarea");
    if (field) field.focus();
  });
  document.addEventListener("shown.bs.modal", function (event) {
    if (!event.target || event.target.id !== "quick-modal") return;
    var field = event.target.querySelector(".is-invalid, input:not([type=hidden]), select, textarea");
    if (field) field.focus();
  });
  // Opened without htmx content yet (or closed): start empty, so an old form never flashes.
  document.addEventListener("hidden.bs.modal", function (event) {
    if (event.target && event.target.id === "quick-modal") {
      var body = document.getElementById("quick-modal-body");
      if (body) body.innerHTML = "";
    }
  });
})();
