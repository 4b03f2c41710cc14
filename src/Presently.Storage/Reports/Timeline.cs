using Presently.Protocol;

namespace Presently.Storage.Reports;

/// <summary>One stretch of one computer's day: what was in front (or idle, private, paused) from Start to End.</summary>
public sealed record TimelineSegment(DateTimeOffset Start, DateTimeOffset End, SpanState State, string? App, string? Title, SpanContext? Context)
{
    public TimeSpan Length => End - Start;
}

/// <summary>A computer's row on a person's timeline; time with no segment is time it sent nothing (off, asleep, offline).</summary>
public sealed record TimelineLane(string AgentId, IReadOnlyList<TimelineSegment> Segments);

/// <summary>Active time with one title in front, within one app.</summary>
public sealed record TitleTotal(string App, string Title, TimeSpan Active);

/// <summary>
/// A person's day as swimlanes, one per computer, and the titles they spent most time on: pure
/// transforms of their stored spans, cut to the period shown.
/// </summary>
public static class Timeline
{
    public static IReadOnlyList<TimelineLane> Lanes(IEnumerable<StoredSpan> spans, DateTimeOffset from, DateTimeOffset to) =>
        [.. Cut(spans, from, to)
            .GroupBy(x => x.Span.AgentId, StringComparer.Ordinal)
            .OrderBy(g => g.Key, StringComparer.Ordinal)
            .Select(g => new TimelineLane(g.Key, [.. g.OrderBy(x => x.Start).Select(x =>
                new TimelineSegment(x.Start, x.End, x.Span.State, x.Span.App, x.Span.Title, x.Span.Context))]))];

    /// <summary>The <paramref name="count"/> titles with the most active time, across apps, longest first (ties by app, then title).</summary>
    public static IReadOnlyList<TitleTotal> TopTitles(IEnumerable<StoredSpan> spans, DateTimeOffset from, DateTimeOffset to, int count) =>
        [.. Cut(spans, from, to)
            .Where(x => x.Span.State == SpanState.Active && !string.IsNullOrEmpty(x.Span.Title))
            .GroupBy(x => (App: x.Span.App ?? "", Title: x.Span.Title!))
            .Select(g => new TitleTotal(g.Key.App, g.Key.Title, TimeSpan.FromTicks(g.Sum(x => (x.End - x.Start).Ticks))))
            .OrderByDescending(t => t.Active).ThenBy(t => t.App, StringComparer.Ordinal).ThenBy(t => t.Title, StringComparer.Ordinal)
            .Take(count)];

    private static IEnumerable<(StoredSpan Span, DateTimeOffset Start, DateTimeOffset End)> Cut(IEnumerable<StoredSpan> spans, DateTimeOffset from, DateTimeOffset to)
    {
        foreach (var s in spans)
        {
            var start = s.Start > from ? s.Start : from;
            var end = s.End < to ? s.End : to;
            if (end > start) yield return (s, start, end);
        }
    }
}
