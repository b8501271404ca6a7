// The @ picker of note text areas (<textarea data-mentions="URL of the people endpoint">).
// Typing "@" and letters lists matching active users; ArrowDown/ArrowUp choose, Enter or Tab
// insert "@username " (the syntax ltc.core.notifications.MENTION reads), Escape closes; a click
// inserts too. The list's words come from the text area's data-mentions-label/-empty attributes.
(function () {
  "use strict";
  // An "@" that starts a mention: not inside a word, an e-mail address or another mention.
  var TRIGGER = /(^|[^\p{L}\p{N}_.@])@([\p{L}\p{N}_.+-]{0,150})$/u;
  var state = null; // {area, list, items, index, start, seq}
  var sequence = 0;
  var timer = null;

  function close() {
    if (state && state.list) state.list.remove();
    if (state && state.area) state.area.removeAttribute("aria-activedescendant");
    state = null;
  }
  function mentionAt(area) {
    var before = area.value.slice(0, area.selectionStart);
    var match = TRIGGER.exec(before);
    if (!match || area.selectionStart !== area.selectionEnd) return null;
    return { term: match[2], start: area.selectionStart - match[2].length - 1 };
  }
  function highlight(index) {
    if (!state || !state.items.length) return;
    state.index = (index + state.items.length) % state.items.length;
    state.list.querySelectorAll(".dropdown-item").forEach(function (node, i) {
      node.classList.toggle("active", i === state.index);
      node.setAttribute("aria-selected", i === state.index ? "true" : "false");
      if (i === state.index) state.area.setAttribute("aria-activedescendant", node.id);
    });
  }
  function choose(index) {
    if (!state || !state.items[index]) return;
    var area = state.area;
    var caret = area.selectionStart;
    var text = "@" + state.items[index].username + " ";
    area.value = area.value.slice(0, state.start) + text + area.value.slice(caret);
    var at = state.start + text.length;
    area.setSelectionRange(at, at);
    close();
    area.focus();
  }
  function show(area, found, items) {
    if (state && state.list) state.list.remove();
    var list = document.createElement("div");
    list.className = "dropdown-menu show mention-picker";
    list.id = "mention-picker";
    list.setAttribute("role", "listbox");
    list.setAttribute("aria-label", area.getAttribute("data-mentions-label") || "");
    list.style.position = "absolute";
    list.style.left = area.offsetLeft + "px";
    list.style.top = area.offsetTop + area.offsetHeight + "px";
    if (!items.length) {
      var empty = document.createElement("span");
      empty.className = "dropdown-item-text text-secondary";
      empty.textContent = area.getAttribute("data-mentions-empty") || "";
      list.appendChild(empty);
    }
    items.forEach(function (user, i) {
      var option = document.createElement("a");
      option.href = "#";
      option.className = "dropdown-item";
      option.id = "mention-option-" + i;
      option.setAttribute("role", "option");
      option.setAttribute("data-username", user.username);
      var name = document.createElement("span");
      name.textContent = user.name;
      var handle = document.createElement("span");
      handle.className = "text-secondary ms-2";
      handle.textContent = "@" + user.username;
      option.appendChild(name);
      option.appendChild(handle);
      option.addEventListener("mousedown", function (event) { event.preventDefault(); });
      option.addEventListener("click", function (event) { event.preventDefault(); choose(i); });
      list.appendChild(option);
    });
    if (area.parentNode && window.getComputedStyle(area.parentNode).position === "static") {
      area.parentNode.style.position = "relative";
    }
    area.parentNode.insertBefore(list, area.nextSibling);
    area.setAttribute("aria-controls", list.id);
    state = { area: area, list: list, items: items, index: -1, start: found.start };
    highlight(0);
  }
  function lookup(area) {
    var found = mentionAt(area);
    if (!found) { close(); return; }
    var mine = ++sequence;
    var url = area.getAttribute("data-mentions") + "?q=" + encodeURIComponent(found.term);
    window.fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) { return response.ok ? response.json() : { items: [] }; })
      .then(function (answer) {
        if (mine !== sequence || document.activeElement !== area) return;
        var now = mentionAt(area);
        if (!now) { close(); return; }
        show(area, now, answer.items || []);
      })
      .catch(function () { close(); });
  }

  document.addEventListener("input", function (event) {
    var area = event.target;
    if (!area.matches || !area.matches("textarea[data-mentions]")) return;
    window.clearTimeout(timer);
    timer = window.setTimeout(function () { lookup(area); }, 120);
  });
  document.addEventListener("keydown", function (event) {
    if (!state || event.target !== state.area) return;
    if (event.key === "ArrowDown") { event.preventDefault(); highlight(state.index + 1); }
    else if (event.key === "ArrowUp") { event.preventDefault(); highlight(state.index - 1); }
    else if ((event.key === "Enter" || event.key === "Tab") && state.items.length) { event.preventDefault(); choose(state.index); }
    else if (event.key === "Escape") { event.preventDefault(); close(); }
  }, true);
  document.addEventListener("focusout", function (event) {
    if (state && event.target === state.area) window.setTimeout(function () {
      if (state && document.activeElement !== state.area) close();
    }, 150);
  });
})();
