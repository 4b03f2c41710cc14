using System.Globalization;

namespace Presently.Storage.Reports;

/// <summary>[From, To) in whole rollup buckets (UTC hours or days since 1970), counted for segment <see cref="Segment"/>.</summary>
public readonly record struct BucketRange(int Segment, long From, long To);

/// <summary>[FromMs, ToMs) read from spans, counted for segment <see cref="Segment"/>.</summary>
public readonly record struct TimeRange(int Segment, long FromMs, long ToMs);

/// <summary>
/// Where each part of a report's period is read from. The period is cut into segments (one per
/// local day when the report groups by day, else one); inside each, whole UTC days come from the
/// daily rollup, whole UTC hours around them from the hourly one, and only the partial hours at the
/// edges (an instant bound, a midnight that is not on a UTC hour) from spans. So a report costs
/// O(days + edge hours), whatever the number of spans.
/// </summary>
public sealed record ReportPlan(IReadOnlyList<string?> SegmentLabels, IReadOnlyList<BucketRange> Days, IReadOnlyList<BucketRange> Hours, IReadOnlyList<TimeRange> Edges)
{
    public const long HourMs = 3_600_000;
    public const long DayMs = 86_400_000;

    /// <param name="useRollups">False when the grouping needs what rollups do not keep: then every segment is read from spans.</param>
    /// <param name="dayStartHour">The local hour days start at (0: midnight).</param>
    public static ReportPlan Create(long fromMs, long toMs, TimeZoneInfo timeZone, bool byDay, bool useRollups, int dayStartHour = 0)
    {
        var labels = new List<string?>();
        var days = new List<BucketRange>();
        var hours = new List<BucketRange>();
        var edges = new List<TimeRange>();
        foreach (var (label, a, b) in Segments(fromMs, toMs, timeZone, byDay, dayStartHour))
        {
            var i = labels.Count;
            labels.Add(label);
            var h0 = CeilDiv(a, HourMs);
            var h1 = FloorDiv(b, HourMs);
            if (!useRollups || h0 >= h1)
            {
                edges.Add(new TimeRange(i, a, b));
                continue;
            }
            var d0 = CeilDiv(h0, 24);
            var d1 = FloorDiv(h1, 24);
            if (d0 < d1)
            {
                days.Add(new BucketRange(i, d0, d1));
                if (h0 < d0 * 24) hours.Add(new BucketRange(i, h0, d0 * 24));
                if (d1 * 24 < h1) hours.Add(new BucketRange(i, d1 * 24, h1));
            }
            else
            {
                hours.Add(new BucketRange(i, h0, h1));
            }
            if (a < h0 * HourMs) edges.Add(new TimeRange(i, a, h0 * HourMs));
            if (h1 * HourMs < b) edges.Add(new TimeRange(i, h1 * HourMs, b));
        }
        return new ReportPlan(labels, days, hours, edges);
    }

    /// <summary>The period cut where the viewer's local days start (labelled yyyy-MM-dd), or whole.</summary>
    private static IEnumerable<(string? Label, long From, long To)> Segments(long fromMs, long toMs, TimeZoneInfo timeZone, bool byDay, int dayStartHour)
    {
        if (!byDay)
        {
            if (toMs > fromMs) yield return (null, fromMs, toMs);
            yield break;
        }
        for (var start = fromMs; start < toMs;)
        {
            var day = HoursReport.LocalDay(start, timeZone, dayStartHour);
            var end = Math.Min(toMs, HoursReport.NextLocalMidnightMs(day, timeZone, dayStartHour));
            yield return (day.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture), start, end);
            start = end;
        }
    }

    private static long FloorDiv(long a, long b) => a / b - (a % b < 0 ? 1 : 0);

    private static long CeilDiv(long a, long b) => -FloorDiv(-a, b);
}
