// The deal board: drag a card to another stage. The server decides; a refused move snaps back
// and shows why (a gate's missing items, a stale version, no right to move the deal).
(function () {
  "use strict";
  const board = document.getElementById("deal-board");
  if (!board || !window.Sortable) return;
  const message = document.getElementById("board-message");
  const csrf = document.querySelector('meta[name="csrf-token"]').content;

  function show(text, ok) {
    message.textContent = text;
    message.className = "alert " + (ok ? "alert-success" : "alert-danger");
    message.hidden = false;
  }

  function snapBack(evt) {
    const before = evt.from.children[evt.oldIndex] || null;
    evt.from.insertBefore(evt.item, before);
  }

  board.querySelectorAll("[data-stage]").forEach(function (column) {
    window.Sortable.create(column, {
      group: board.dataset.pipeline,
      draggable: "[data-deal]",
      forceFallback: true,
      animation: 120,
      onEnd: function (evt) {
        if (evt.from === evt.to) return;
        const card = evt.item;
        const body = new URLSearchParams({ stage: evt.to.dataset.stage, version: card.dataset.version });
        fetch(card.dataset.moveUrl, {
          method: "POST",
          headers: { "X-CSRFToken": csrf, "Content-Type": "application/x-www-form-urlencoded" },
          body: body,
          credentials: "same-origin",
        })
          .then(function (response) { return response.json(); })
          .then(function (answer) {
            if (answer.ok) {
              card.dataset.version = answer.version;
              show(board.dataset.movedText, true);
              window.location.reload();
            } else {
              snapBack(evt);
              show(answer.error, false);
            }
          })
          .catch(function () {
            snapBack(evt);
            show(board.dataset.failedText, false);
          });
      },
    });
  });
})();
