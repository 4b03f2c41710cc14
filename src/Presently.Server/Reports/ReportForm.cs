using System.Globalization;

namespace Presently.Server.Reports;

/// <summary>The /reports page's range picker: what the page was asked for, as report API parameters.</summary>
public static class ReportForm
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
}
