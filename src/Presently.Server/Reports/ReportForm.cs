using System.Globalization;
using Presently.Storage.Reports;

namespace Presently.Server.Reports;

/// <summary>The /reports page's range picker: what the page was asked for, as report API parameters.</summary>
public static class ReportForm
{
    public sealed record Form(string Range, string FromDate, string ToDate, string TimeZone, string FromParam, string ToParam, string? Error);

    /// <summary>Turns the page's range choice into API parameters, all in the viewer's time zone.</summary>
    public static Form Resolve(string? range, string? from, string? to, string? tz, DateTimeOffset now, DayOfWeek weekStart = DayOfWeek.Monday, int dayStartHour = 0)
    {
        var zoneId = string.IsNullOrWhiteSpace(tz) ? "UTC" : tz;
        if (zoneId.Length > 64 || !TimeZoneInfo.TryFindSystemTimeZoneById(zoneId, out var zone))
            return new Form("today", "", "", "UTC", "", "", $"unknown time zone '{zoneId[..Math.Min(zoneId.Length, 64)]}'");
        // Today is the day that started last, at the viewer's own hour.
        var today = HoursReport.LocalDay(now.ToUnixTimeMilliseconds(), zone, dayStartHour);
        var iso = (DateOnly d) => d.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
        switch (range)
        {
            case "week":
                var monday = today.AddDays(-(((int)today.DayOfWeek - (int)weekStart + 7) % 7));
                return new Form("week", iso(monday), iso(today), zoneId, iso(monday), "", null);
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

    /// <summary>How the page groups its report: by one dimension, then optionally by a second within it.</summary>
    public sealed record Grouping(ReportDimension By, ReportDimension? Then)
    {
        public static readonly Grouping Default = new(ReportDimension.Person, ReportDimension.App);

        /// <summary>The report API's groupBy.</summary>
        public string Param => Then is { } then ? $"{Name(By)},{Name(then)}" : Name(By);

        public static string Name(ReportDimension d) => d.ToString().ToLowerInvariant();

        /// <summary>The page's two choices (names as in the API; "" or "none" for no second); null and a one-line error when they will not do.</summary>
        public static (Grouping? Grouping, string? Error) Parse(string? by, string? then)
        {
            if (string.IsNullOrEmpty(by) && string.IsNullOrEmpty(then)) return (Default, null);
            if (!TryDimension(by, out var first)) return (null, $"group by one of {ReportDimensions.Names}");
            if (string.IsNullOrEmpty(then) || then == "none") return (new Grouping(first, null), null);
            if (!TryDimension(then, out var second)) return (null, $"then by none or one of {ReportDimensions.Names}");
            return second == first ? (null, "group by two different things") : (new Grouping(first, second), null);
        }

        private static bool TryDimension(string? name, out ReportDimension dimension)
        {
            dimension = default;
            return name is { Length: <= 16 } && name.All(char.IsAsciiLetterLower)
                && Enum.TryParse(name, ignoreCase: true, out dimension) && Enum.IsDefined(dimension);
        }
    }
}
