// Tabs on long record pages (web/record_tabs.html). Without this script the tabs are anchors and
// every section shows; with it one section shows at a time:
//   <ul data-record-tabs> <a href="#tab-x" data-tab-link>   a tab naming the section it shows
//   <section id="tab-x" data-tab-pane [data-tab-default]>    a section; the default shows first
// The URL's hash picks the section — its id, or the id of anything inside it — so links such as
// "#timeline" or "#milestone-2" keep working; choosing a tab writes its id into the hash.
(function () {
  "use strict";
  function panes() {
    return Array.prototype.slice.call(document.querySelectorAll("[data-tab-pane]"));
  }
  // The element a hash names; null for none, or for a hash that is not valid percent-encoding
  // ("#%E0" makes decodeURIComponent throw), so the default tab shows instead.
  function targetOf(hash) {
    if (!hash || hash.length < 2) return null;
    try {
      return document.getElementById(decodeURIComponent(hash.slice(1)));
    } catch (error) {
      return null;
    }
  }
  function paneFor(hash) {
    var target = targetOf(hash);
    return target ? target.closest("[data-tab-pane]") : null;
  }
  function show(pane) {
    panes().forEach(function (p) {
      p.hidden = p !== pane;
    });
    document.querySelectorAll("[data-tab-link]").forEach(function (link) {
      var on = link.getAttribute("href") === "#" + pane.id;
      link.classList.toggle("active", on);
      link.setAttribute("aria-selected", on ? "true" : "false");
    });
  }
  function fromHash(scroll) {
    var all = panes();
    if (!all.length) return;
    var pane = paneFor(location.hash);
    show(pane || all.find(function (p) { return p.hasAttribute("data-tab-default"); }) || all[0]);
    if (pane && scroll) {
      var target = targetOf(location.hash);
      if (target && target !== pane) target.scrollIntoView();
    }
  }
  function start() {
    document.querySelectorAll("[data-record-tabs]").forEach(function (nav) {
      nav.setAttribute("role", "tablist");
    });
    document.querySelectorAll("[data-tab-link]").forEach(function (link) {
      link.setAttribute("role", "tab");
    });
    fromHash(true);
  }
  document.addEventListener("click", function (event) {
    var link = event.target.closest("[data-tab-link]");
    if (!link) return;
    var pane = document.getElementById(link.getAttribute("href").slice(1));
    if (!pane) return;
    event.preventDefault();
    show(pane);
    history.replaceState(history.state, "", link.getAttribute("href"));
  });
  window.addEventListener("hashchange", function () {
    fromHash(true);
  });
  // A timeline refreshed by htmx may push a URL whose hash names a section: keep it showing.
  document.addEventListener("htmx:afterSettle", function () {
    var pane = paneFor(location.hash);
    if (pane) show(pane);
  });
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
