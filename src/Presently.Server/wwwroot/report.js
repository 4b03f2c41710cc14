// Fills in the viewer's time zone and draws the hours chart from the rows the page carries (data-rows).
(function () {
  const zone = Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC";
  const params = new URLSearchParams(location.search);
  if (!params.has("tz") && zone !== "UTC") {
    params.set("tz", zone);
    location.replace(location.pathname + "?" + params.toString());
    return;
  }
  const tz = document.getElementById("tz");
  if (tz && !params.has("tz")) tz.value = zone;

  const canvas = document.getElementById("hours-chart");
  if (!canvas || typeof Chart === "undefined") return;
  (function (report) {
      const people = [...new Set(report.rows.map(function (r) { return r.person; }))];
      const apps = [...new Set(report.rows.map(function (r) { return r.app; }))];
      const datasets = apps.map(function (app) {
        return {
          label: app,
          data: people.map(function (p) {
            const row = report.rows.find(function (r) { return r.person === p && r.app === app; });
            return row ? row.seconds / 3600 : 0;
          }),
        };
      });
      new Chart(canvas, {
        type: "bar",
        data: { labels: people, datasets: datasets },
        options: {
          indexAxis: "y",
          animation: false,
          scales: { x: { stacked: true, title: { display: true, text: "hours" } }, y: { stacked: true } },
        },
      });
      canvas.dataset.rendered = "true";
  })({ rows: JSON.parse(canvas.dataset.rows || "[]") });
})();
