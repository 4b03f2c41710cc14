using System.Globalization;
using Presently.Storage.Reports;

namespace Presently.Server.Timeline;

/// <summary>
/// What the timeline page shows: one person's local day (or the hours of it zoomed into) as
/// swimlanes, one per computer. Zoom is a window of whole hours, chosen by links, so it works
/// without script and every view has its own address.
/// </summary>
public sealed record TimelineView(
    string Person,
    DateOnly Date,
    string TimeZone,
    int FirstHour,
    int Hours,
    DateTimeOffset From,
    DateTimeOffset To,
    IReadOnlyList<TimelineLane> Lanes,
    IReadOnlyDictionary<string, string> DeviceNames,
    IReadOnlyList<TitleTotal> TopTitles,
    bool Truncated,
    int DayStartHour = 0)
{
    public const int MaxSpans = 20_000;
    public const int TopTitleCount = 10;

    public double Seconds => (To - From).TotalSeconds;

    /// <summary>The clock hour <paramref name="hoursIntoDay"/> hours after the day starts, as the axis writes it.</summary>
    public string ClockHour(int hoursIntoDay) => $"{(hoursIntoDay + DayStartHour) % 24:00}:00";

    /// <summary>The page's address for another day or window of the same person.</summary>
    public string Link(DateOnly? date = null, int? firstHour = null, int? hours = null)
    {
        var h = Math.Clamp(hours ?? Hours, 1, 24);
        var first = Math.Clamp(firstHour ?? FirstHour, 0, 24 - h);
        return $"/timeline?person={Uri.EscapeDataString(Person)}&date={(date ?? Date).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)}"
            + $"&tz={Uri.EscapeDataString(TimeZone)}&from={first.ToString(CultureInfo.InvariantCulture)}&hours={h.ToString(CultureInfo.InvariantCulture)}";
    }

    /// <summary>Half the window around its middle.</summary>
    public string ZoomIn => Hours <= 1 ? Link() : Link(firstHour: FirstHour + Hours / 4, hours: Math.Max(1, Hours / 2));

    /// <summary>Twice the window around its middle.</summary>
    public string ZoomOut => Link(firstHour: FirstHour - Hours / 2, hours: Math.Min(24, Hours * 2));

    /// <summary>Where on the lane (seconds from the window's start) an instant is.</summary>
    public double At(DateTimeOffset instant) => Math.Clamp((instant - From).TotalSeconds, 0, Seconds);

    public string LocalTime(DateTimeOffset instant, TimeZoneInfo zone) =>
        TimeZoneInfo.ConvertTime(instant, zone).ToString("HH:mm", CultureInfo.InvariantCulture);
}
