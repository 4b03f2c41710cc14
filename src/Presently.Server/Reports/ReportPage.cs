using System.Globalization;
using System.Text;
using Presently.Storage.Reports;
using static Presently.Server.Html.Html;

namespace Presently.Server.Reports;

/// <summary>The /reports page: a range picker, a bar chart (report.js) and the same figures as tables.</summary>
public static class ReportPage
{
    public sealed record Form(string Range, string FromDate, string ToDate, string TimeZone, string FromParam, string ToParam, string? Error);

    /// <summary>Turns the page's range choice into API parameters, all in the viewer's time zone.</summary>
    public static Form Resolve(string? range, string? from, string? to, string? tz, DateTimeOffset now)
    {
        var zoneId = string.IsNullOrWhiteSpace(tz) ? "UTC" : tz;
        if (zoneId.Length > 64 || !TimeZoneInfo.TryFindSystemTimeZoneById(zoneId, out var zone))
            return new Form("today", "", "", "UTC", "", "", $"unknown time zone '{zoneId[..Math.Min(zoneId.Length, 64)]}'");
        var today = DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(now, zone).DateTime);
        var iso = (DateOnly d) => d.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
        switch (range)
        {
            case "7d":
                return new Form("7d", iso(today.AddDays(-6)), iso(today), zoneId, iso(today.AddDays(-6)), "", null);
            case "custom":
                if (!DateOnly.TryParseExact(from, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var f) ||
                    !DateOnly.TryParseExact(to, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var t))
                    return new Form("custom", Short(from), Short(to), zoneId, "", "", "choose both dates of the custom range");
                if (!ReportQuery.IsReportableDay(f) || !ReportQuery.IsReportableDay(t))
                    return new Form("custom", iso(f), iso(t), zoneId, "", "", ReportQuery.DateRangeError);
                // The custom range includes its last day, so it ends at the following midnight.
                return new Form("custom", iso(f), iso(t), zoneId, iso(f), iso(t.AddDays(1)), null);
            default:
                return new Form("today", iso(today), iso(today), zoneId, iso(today), "", null);
        }
    }

    private static string Short(string? s) => s is null ? "" : s[..Math.Min(s.Length, 32)];

    public static IResult Render(HttpContext ctx, Form form, ReportResult? result, int status = StatusCodes.Status200OK)
    {
        ctx.Response.StatusCode = status;
        var sb = new StringBuilder();
        sb.Append($"""
            <h1>Hours</h1>
            <form class="range" method="get" action="/reports">
              <label><input type="radio" name="range" value="today"{Checked(form.Range == "today")}> Today</label>
              <label><input type="radio" name="range" value="7d"{Checked(form.Range == "7d")}> Last 7 days</label>
              <label><input type="radio" name="range" value="custom"{Checked(form.Range == "custom")}> From
                <input type="date" name="from" value="{E(form.FromDate)}"> to <input type="date" name="to" value="{E(form.ToDate)}"></label>
              <input type="hidden" name="tz" id="tz" value="{E(form.TimeZone)}">
              <button type="submit">Show</button>
            </form>
            """);
        if (form.Error is not null) sb.Append($"""<p class="error">{E(form.Error)}</p>""");
        if (result is not null)
        {
            var api = $"/api/v1/report?from={Uri.EscapeDataString(form.FromParam)}&to={Uri.EscapeDataString(form.ToParam)}&groupBy=person,app&tz={Uri.EscapeDataString(form.TimeZone)}";
            sb.Append($"""
                <p class="period">{E(result.From.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture))} – {E(result.To.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture))} UTC, shown in {E(result.TimeZone)}. <a href="{E(api)}">JSON</a> · <a href="{E(api + "&format=csv")}" id="csv">CSV</a></p>
                <div class="chart"><canvas id="hours-chart" data-rows="{E(ChartData(result))}" aria-label="Hours per person and app"></canvas></div>
                """);
            AppendTables(sb, result);
        }
        return Page(ctx, "Reports", sb.ToString(), "/lib/chart.umd.min.js", "/report.js");
    }

    /// <summary>The chart's rows, carried by the page (an encoded attribute), so a page view computes its report once, not again for the chart.</summary>
    private static string ChartData(ReportResult result) =>
        System.Text.Json.JsonSerializer.Serialize(result.Rows.Select(r => new { person = r.Key[0], app = r.Key[1], seconds = r.Seconds }));

    private static void AppendTables(StringBuilder sb, ReportResult result)
    {
        if (result.Rows.Count == 0)
        {
            sb.Append("""<p class="empty">No active time in this period.</p>""");
            return;
        }
        if (result.FoldedGroups > 0)
            sb.Append($"""<p class="note" id="folded">The {Num(result.FoldedGroups)} smallest groups are shown together as “{E(HoursReport.Other)}”; their time is in every total.</p>""");
        sb.Append("""<h2>Per person</h2><table class="report" id="per-person"><thead><tr><th>Person</th><th>Hours</th><th>Seconds</th></tr></thead><tbody>""");
        foreach (var g in result.Rows.GroupBy(r => r.Key[0]).OrderByDescending(g => g.Sum(r => r.Milliseconds)))
            Row(sb, [g.Key], g.Sum(r => r.Milliseconds));
        sb.Append("</tbody></table>");

        sb.Append("""<h2>Per person and app</h2><table class="report" id="per-app"><thead><tr><th>Person</th><th>App</th><th>Hours</th><th>Seconds</th></tr></thead><tbody>""");
        foreach (var r in result.Rows) Row(sb, r.Key, r.Milliseconds);
        sb.Append($"""</tbody><tfoot><tr><th colspan="2">Total</th><td>{E(Clock(result.TotalMilliseconds))}</td><td>{Num(result.TotalMilliseconds / 1000)}</td></tr></tfoot></table>""");
    }

    private static void Row(StringBuilder sb, IReadOnlyList<string> key, long ms)
    {
        sb.Append("<tr>");
        foreach (var k in key) sb.Append($"<td>{E(k)}</td>");
        sb.Append($"<td>{E(Clock(ms))}</td><td>{Num(ms / 1000)}</td></tr>");
    }

    private static string Clock(long ms)
    {
        var t = TimeSpan.FromMilliseconds(ms);
        return $"{(long)t.TotalHours}:{t.Minutes:00}:{t.Seconds:00}";
    }

    private static string Checked(bool on) => on ? " checked" : "";
}
