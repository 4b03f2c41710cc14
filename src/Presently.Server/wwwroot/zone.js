// Pages that show local times (reports, timeline) are asked for in the browser's time zone the first
// time: without a tz in the address, the page is loaded again with it — unless the page already
// shows the viewer's own zone (set under Time zone and week).
(function () {
  const zone = Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC";
  const params = new URLSearchParams(location.search);
  const field = document.getElementById("tz");
  if (field && field.dataset.preferred) return;
  if (!params.has("tz") && zone !== "UTC") {
    params.set("tz", zone);
    location.replace(location.pathname + "?" + params.toString());
    return;
  }
  const tz = document.getElementById("tz");
  if (tz && !params.has("tz")) tz.value = zone;
})();
