// The board in the browser: keeps each card's "for 2 h 13 m" current between server updates (the
// server sends a card only when something about it changes; the passing of time is the browser's
// job), filters cards by the search box, and keeps each team's cards in name order as they arrive.
(function () {
  function format(ms) {
    if (ms < 0) ms = 0;
    const s = Math.floor(ms / 1000), h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60);
    if (h >= 1) return h + " h " + m + " m";
    if (m >= 1) return m + " m";
    return s + " s";
  }
  function tick() {
    const now = Date.now();
    document.querySelectorAll(".since[data-since]").forEach(function (el) {
      el.textContent = "for " + format(now - Number(el.dataset.since));
    });
  }

  // Ordinal order of names, as the server sorts them.
  function byPerson(a, b) {
    const x = a.dataset.person || "", y = b.dataset.person || "";
    return x < y ? -1 : x > y ? 1 : 0;
  }
  function keepOrder(list) {
    const cards = Array.from(list.children).filter(function (c) { return c.matches("article.card"); });
    for (let i = 1; i < cards.length; i++) {
      if (byPerson(cards[i - 1], cards[i]) > 0) {
        cards.sort(byPerson).forEach(function (c) { list.appendChild(c); });
        return;
      }
    }
  }

  function search() {
    const box = document.getElementById("board-search");
    const words = (box ? box.value : "").toLowerCase().split(/\s+/).filter(Boolean);
    document.querySelectorAll("#board section.team").forEach(function (section) {
      const team = (section.dataset.team || "").toLowerCase();
      section.querySelectorAll("article.card").forEach(function (card) {
        const text = team + " " + card.textContent.toLowerCase();
        card.hidden = !words.every(function (w) { return text.indexOf(w) >= 0; });
      });
    });
    document.body.dataset.search = words.length ? "on" : "off";
  }

  function afterSwap() {
    document.querySelectorAll("#board .cards").forEach(keepOrder);
    search();
    tick();
  }

  setInterval(tick, 1000);
  document.addEventListener("DOMContentLoaded", function () {
    const box = document.getElementById("board-search");
    if (box) box.addEventListener("input", search);
  });
  document.addEventListener("htmx:oobAfterSwap", afterSwap);
  document.addEventListener("htmx:wsAfterMessage", afterSwap);
  document.addEventListener("htmx:wsOpen", function () { document.body.dataset.board = "live"; });
  document.addEventListener("htmx:wsClose", function () { document.body.dataset.board = "reconnecting"; });
})();
