// The board in the browser: keeps each card's "for 2 h 13 m" current between server updates (the
// server sends a card only when something about it changes; the passing of time is the browser's
// job), filters cards by the search box, and keeps each team's cards in name order as they arrive.
// A swap touches only what it swapped, and the clock writes only the words that changed, so a board
// of a thousand people under a stream of changes keeps the page's main thread free.
(function () {
  function format(ms) {
    if (ms < 0) ms = 0;
    const s = Math.floor(ms / 1000), h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60);
    if (h >= 1) return h + " h " + m + " m";
    if (m >= 1) return m + " m";
    return s + " s";
  }
  function tickOne(el, now) {
    const text = "for " + format(now - Number(el.dataset.since));
    if (el.textContent !== text) el.textContent = text;
  }
  function tick(root) {
    const now = Date.now();
    (root || document).querySelectorAll(".since[data-since]").forEach(function (el) { tickOne(el, now); });
  }

  // Ordinal order of names, as the server sorts them.
  function before(a, b) { return (a.dataset.person || "") < (b.dataset.person || ""); }
  function placeInOrder(card) {
    const list = card.parentElement;
    if (!list) return;
    const prev = card.previousElementSibling, next = card.nextElementSibling;
    if ((!prev || before(prev, card)) && (!next || before(card, next))) return;
    let at = list.firstElementChild;
    while (at && (at === card || before(at, card))) at = at.nextElementSibling;
    list.insertBefore(card, at);
  }

  let words = [];
  function matches(card) {
    if (!words.length) return true;
    const section = card.closest("section.team");
    const text = ((section && section.dataset.team) || "").toLowerCase() + " " + card.textContent.toLowerCase();
    return words.every(function (w) { return text.indexOf(w) >= 0; });
  }
  function filter(card) {
    const hide = !matches(card);
    if (card.hidden !== hide) card.hidden = hide;
  }
  function search() {
    const box = document.getElementById("board-search");
    words = (box ? box.value : "").toLowerCase().split(/\s+/).filter(Boolean);
    document.querySelectorAll("#board article.card").forEach(filter);
    document.body.dataset.search = words.length ? "on" : "off";
  }

  function swapped(evt) {
    const elt = evt.target;
    if (!(elt instanceof Element)) return;
    const cards = elt.matches("article.card") ? [elt] : Array.from(elt.querySelectorAll("article.card"));
    const now = Date.now();
    cards.forEach(function (card) {
      placeInOrder(card);
      filter(card);
      card.querySelectorAll(".since[data-since]").forEach(function (el) { tickOne(el, now); });
    });
  }

  setInterval(tick, 1000);
  document.addEventListener("DOMContentLoaded", function () {
    const box = document.getElementById("board-search");
    if (box) box.addEventListener("input", search);
  });
  document.addEventListener("htmx:oobAfterSwap", swapped);
  document.addEventListener("htmx:wsOpen", function () { document.body.dataset.board = "live"; });
  document.addEventListener("htmx:wsClose", function () { document.body.dataset.board = "reconnecting"; });
})();
