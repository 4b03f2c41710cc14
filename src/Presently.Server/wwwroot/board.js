// Keeps each card's "for 2 h 13 m" current between server updates. The server sends a card only
// when something about it changes; the passing of time is the browser's job.
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
  setInterval(tick, 1000);
  document.addEventListener("htmx:wsOpen", function () { document.body.dataset.board = "live"; });
  document.addEventListener("htmx:wsClose", function () { document.body.dataset.board = "reconnecting"; });
})();
