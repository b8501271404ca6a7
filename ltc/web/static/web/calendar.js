// The calendar page: drag a movable activity (data-move-url, data-version) onto another day
// (data-day) to move it there. The server keeps its time of day; if it refuses, the entry stays
// where it was and the page says why. Delegated listeners, so they survive htmx swaps.
(function () {
  "use strict";
  var dragged = null;

  function say(text, ok) {
    var box = document.getElementById("calendar-message");
    if (!box) return;
    box.textContent = text;
    box.className = "alert " + (ok ? "alert-success" : "alert-danger");
  }

  function csrfToken() {
    var meta = document.querySelector("meta[name=csrf-token]");
    return meta ? meta.getAttribute("content") : "";
  }

  document.addEventListener("dragstart", function (event) {
    var entry = event.target.closest && event.target.closest(".calendar-movable");
    if (!entry) return;
    dragged = entry;
    event.dataTransfer.effectAllowed = "move";
    event.dataTransfer.setData("text/plain", entry.id);
  });

  document.addEventListener("dragover", function (event) {
    var day = dragged && event.target.closest && event.target.closest(".calendar-day");
    if (!day) return;
    event.preventDefault();
    event.dataTransfer.dropEffect = "move";
    day.classList.add("calendar-drop");
  });

  document.addEventListener("dragleave", function (event) {
    var day = event.target.closest && event.target.closest(".calendar-day");
    if (day && !day.contains(event.relatedTarget)) day.classList.remove("calendar-drop");
  });

  document.addEventListener("dragend", function () {
    document.querySelectorAll(".calendar-drop").forEach(function (el) { el.classList.remove("calendar-drop"); });
    dragged = null;
  });

  document.addEventListener("drop", function (event) {
    var day = dragged && event.target.closest && event.target.closest(".calendar-day");
    if (!day) return;
    event.preventDefault();
    day.classList.remove("calendar-drop");
    var entry = dragged;
    dragged = null;
    if (entry.closest(".calendar-day") === day) return;
    var body = new URLSearchParams();
    body.set("day", day.getAttribute("data-day"));
    body.set("expected_due_at", entry.getAttribute("data-version"));
    var failed = (document.getElementById("calendar") || document.body).getAttribute("data-move-failed") || "";
    fetch(entry.getAttribute("data-move-url"), {
      method: "POST",
      credentials: "same-origin",
      headers: { "X-CSRFToken": csrfToken(), "Content-Type": "application/x-www-form-urlencoded" },
      body: body.toString()
    }).then(function (response) {
      return response.json().then(function (answer) { return { ok: response.ok, answer: answer }; });
    }).then(function (result) {
      if (result.ok) {
        entry.setAttribute("data-version", result.answer.version);
        var empty = day.querySelector(".text-secondary.small");
        if (empty) empty.remove();
        day.appendChild(entry);
      }
      say(result.answer.message || failed, result.ok);
    }).catch(function () { say(failed, false); });
  });
})();
