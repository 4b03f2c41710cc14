// Draws the hours chart from the rows the page carries (data-rows: each row's key, one value per
// grouping in data-dims, and its seconds). One stacked bar per value of the first grouping, split by
// the second; grouped by day first, the bars stand in date order. (zone.js sets the time zone.)
(function () {
  const canvas = document.getElementById("hours-chart");
  if (!canvas || typeof Chart === "undefined") return;
  const dims = (canvas.dataset.dims || "person,app").split(",");
  const rows = JSON.parse(canvas.dataset.rows || "[]");
  // By category: each category in its colour (data-colours maps a category to #rrggbb).
  const colours = JSON.parse(canvas.dataset.colours || "null");
  const byDay = dims[0] === "day";
  let labels = [...new Set(rows.map(function (r) { return r.key[0]; }))];
  if (byDay) labels.sort();
  const stacks = dims.length > 1 ? [...new Set(rows.map(function (r) { return r.key[1]; }))] : ["hours"];
  const datasets = stacks.map(function (stack) {
    const colour = colours && dims[1] === "category" ? colours[stack]
      : colours && dims[0] === "category" ? labels.map(function (label) { return colours[label]; }) : undefined;
    return {
      label: stack,
      backgroundColor: colour,
      data: labels.map(function (label) {
        const row = rows.find(function (r) { return r.key[0] === label && (dims.length < 2 || r.key[1] === stack); });
        return row ? row.seconds / 3600 : 0;
      }),
    };
  });
  const hours = { stacked: true, title: { display: true, text: "hours" } };
  new Chart(canvas, {
    type: "bar",
    data: { labels: labels, datasets: datasets },
    options: {
      indexAxis: byDay ? "x" : "y",
      animation: false,
      plugins: { legend: { display: dims.length > 1 } },
      scales: byDay ? { x: { stacked: true }, y: hours } : { x: hours, y: { stacked: true } },
    },
  });
  canvas.dataset.rendered = "true";
})();
