using System.Globalization;
using Presently.Storage.Reports;

namespace Presently.Server.Reports;

/// <summary>A validated report request: the period, the viewer's time zone and the hour their days start, and the grouping.</summary>
public sealed record ReportQuery(DateTimeOffset From, DateTimeOffset To, TimeZoneInfo TimeZone, IReadOnlyList<ReportDimension> GroupBy, int DayStartHour = 0)
{
    public static readonly TimeSpan MaxPeriod = TimeSpan.FromDays(400);

    /// <summary>Reports cover 1970 to 9000: no span can be earlier, and the calendar's far end is where date arithmetic overflows.</summary>
    public static readonly DateOnly FirstDay = new(1970, 1, 2);
    public static readonly DateOnly LastDay = new(8999, 12, 31);
    public const string DateRangeError = "dates must fall between 1970-01-02 and 8999-12-31";

    public static bool IsReportableDay(DateOnly day) => day >= FirstDay && day <= LastDay;

    /// <summary>
    /// <paramref name="from"/> and <paramref name="to"/> are ISO 8601 instants with an offset, or dates
    /// (yyyy-MM-dd) meaning the start of that local day in <paramref name="tz"/>: midnight, or
    /// <paramref name="dayStart"/>:00 for people whose day starts later (0–23). Defaults: today so far,
    /// UTC, midnight, person,app.
    /// </summary>
    public static (ReportQuery? Query, string? Error) Parse(string? from, string? to, string? groupBy, string? tz, DateTimeOffset now, string? dayStart = null)
    {
        if (!TryZone(tz, out var zone)) return (null, $"unknown time zone '{Truncate(tz)}'; use an IANA name such as Europe/Berlin");
        var hour = 0;
        if (!string.IsNullOrEmpty(dayStart) && (dayStart.Length > 2 || !int.TryParse(dayStart, NumberStyles.None, CultureInfo.InvariantCulture, out hour) || hour > 23))
            return (null, $"dayStart is an hour from 0 to 23, not '{Truncate(dayStart)}'");

        var todayStart = LocalMidnight(HoursReport.LocalDay(now.ToUnixTimeMilliseconds(), zone, hour), zone, hour);
        if (!TryInstant(from, zone, hour, todayStart, out var start)) return (null, $"'from' is not an ISO 8601 date or instant: '{Truncate(from)}'");
        if (!TryInstant(to, zone, hour, now, out var end)) return (null, $"'to' is not an ISO 8601 date or instant: '{Truncate(to)}'");
        if (!IsReportable(start) || !IsReportable(end)) return (null, DateRangeError);
        if (end <= start) return (null, "'to' must be after 'from'");
        if (end - start > MaxPeriod) return (null, $"a report covers at most {MaxPeriod.TotalDays:0} days");

        var dims = new List<ReportDimension>();
        foreach (var part in (string.IsNullOrWhiteSpace(groupBy) ? "person,app" : groupBy).Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            if (!Enum.TryParse<ReportDimension>(part, ignoreCase: true, out var d) || !Enum.IsDefined(d) || int.TryParse(part, out _))
                return (null, $"unknown groupBy '{Truncate(part)}'; use {ReportDimensions.Names}");
            if (dims.Contains(d)) return (null, $"groupBy names '{part}' twice");
            dims.Add(d);
        }
        return (new ReportQuery(start, end, zone, dims, hour), null);
    }

    private static bool IsReportable(DateTimeOffset t) =>
        t >= new DateTimeOffset(FirstDay.AddDays(-1).ToDateTime(TimeOnly.MinValue), TimeSpan.Zero)
        && t <= new DateTimeOffset(LastDay.AddDays(1).ToDateTime(TimeOnly.MinValue), TimeSpan.Zero);

    /// <summary>Where <paramref name="day"/> starts: local midnight, or <paramref name="dayStartHour"/>:00.</summary>
    public static DateTimeOffset LocalMidnight(DateOnly day, TimeZoneInfo zone, int dayStartHour = 0) =>
        DateTimeOffset.FromUnixTimeMilliseconds(HoursReport.NextLocalMidnightMs(day.AddDays(-1), zone, dayStartHour));

    private static bool TryZone(string? tz, out TimeZoneInfo zone)
    {
        zone = TimeZoneInfo.Utc;
        if (string.IsNullOrWhiteSpace(tz)) return true;
        if (tz.Length > 64) return false;
        return TimeZoneInfo.TryFindSystemTimeZoneById(tz, out zone!);
    }

    private static bool TryInstant(string? text, TimeZoneInfo zone, int dayStartHour, DateTimeOffset fallback, out DateTimeOffset value)
    {
        value = fallback;
        if (string.IsNullOrWhiteSpace(text)) return true;
        if (text.Length > 40) return false;
        if (DateOnly.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var day))
        {
            // Out-of-range days are answered by the range check; here they must not reach date arithmetic.
            value = IsReportableDay(day) ? LocalMidnight(day, zone, dayStartHour) : DateTimeOffset.MinValue;
            return true;
        }
        // An instant must say where it is: 2026-11-29T10:00:00Z or …+01:00.
        var hasOffset = text.EndsWith('Z') || text.EndsWith('z') || text.LastIndexOfAny(['+', '-']) > 10;
        return hasOffset && DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.None, out value);
    }

    private static string Truncate(string? s) => s is null ? "" : s.Length <= 40 ? s : s[..40] + "…";
}
