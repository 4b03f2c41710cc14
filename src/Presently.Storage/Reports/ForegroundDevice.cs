namespace Presently.Storage.Reports;

/// <summary>One of a person's active spans (a piece of it) competing for the person's time.</summary>
/// <param name="SpanStartMs">Where the whole span starts: the later start wins.</param>
/// <param name="StartMs">The piece at hand, inside the span.</param>
public readonly record struct DeviceSpan<T>(string AgentId, long SpanStartMs, long StartMs, long EndMs, T Payload);

/// <summary>A piece of a span and whether the person's time there is counted for it.</summary>
public readonly record struct DevicePiece<T>(T Payload, long StartMs, long EndMs, bool Counted);

/// <summary>
/// A person's time is counted once, even when two of their computers are active at once: at each
/// instant it goes to the device in front — of the active spans covering that instant, the one that
/// started last (the device the person most recently switched to or came back to); ties go to the
/// agent id that sorts first. Whoever holds an instant depends only on the spans covering it, so
/// a store can work this out for any window on its own and keep what the others lose as overlaps.
/// The spans of one agent never overlap each other (ingest keeps them apart).
/// </summary>
public static class ForegroundDevice
{
    /// <summary>Every input piece cut where the holder changes, each part marked counted or not, in input order per piece.</summary>
    public static List<DevicePiece<T>> Split<T>(IReadOnlyList<DeviceSpan<T>> spans)
    {
        var result = new List<DevicePiece<T>>();
        if (spans.Count == 0) return result;
        if (spans.Count == 1)
        {
            if (spans[0].EndMs > spans[0].StartMs) result.Add(new DevicePiece<T>(spans[0].Payload, spans[0].StartMs, spans[0].EndMs, true));
            return result;
        }

        var bounds = new List<long>(spans.Count * 2);
        foreach (var s in spans)
        {
            if (s.EndMs <= s.StartMs) continue;
            bounds.Add(s.StartMs);
            bounds.Add(s.EndMs);
        }
        bounds.Sort();
        var order = Enumerable.Range(0, spans.Count).Where(i => spans[i].EndMs > spans[i].StartMs).OrderBy(i => spans[i].StartMs).ToList();
        // Per input: the part being built (start, counted), flushed when the verdict changes.
        var open = new (long Start, bool Counted)?[spans.Count];
        var active = new List<int>();
        var next = 0;
        for (var b = 0; b < bounds.Count - 1; b++)
        {
            var (from, to) = (bounds[b], bounds[b + 1]);
            if (from == to) continue;
            active.RemoveAll(i =>
            {
                if (spans[i].EndMs > from) return false;
                Flush(spans, open, result, i, spans[i].EndMs);
                return true;
            });
            while (next < order.Count && spans[order[next]].StartMs <= from) active.Add(order[next++]);
            var winner = -1;
            foreach (var i in active)
                if (winner < 0 || Beats(spans[i], spans[winner])) winner = i;
            foreach (var i in active)
            {
                var counted = i == winner;
                if (open[i] is { } part && part.Counted == counted) continue;
                if (open[i] is not null) Flush(spans, open, result, i, from);
                open[i] = (from, counted);
            }
        }
        foreach (var i in active) Flush(spans, open, result, i, spans[i].EndMs);
        return result;
    }

    /// <summary>Only the parts that are not counted (what a store keeps as overlaps).</summary>
    public static IEnumerable<DevicePiece<T>> Losers<T>(IReadOnlyList<DeviceSpan<T>> spans) => Split(spans).Where(p => !p.Counted);

    private static bool Beats<T>(DeviceSpan<T> a, DeviceSpan<T> b) =>
        a.SpanStartMs != b.SpanStartMs ? a.SpanStartMs > b.SpanStartMs : string.CompareOrdinal(a.AgentId, b.AgentId) < 0;

    private static void Flush<T>(IReadOnlyList<DeviceSpan<T>> spans, (long Start, bool Counted)?[] open, List<DevicePiece<T>> result, int i, long end)
    {
        if (open[i] is not { } part) return;
        if (end > part.Start) result.Add(new DevicePiece<T>(spans[i].Payload, part.Start, end, part.Counted));
        open[i] = null;
    }
}
