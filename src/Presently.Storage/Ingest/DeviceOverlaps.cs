using Presently.Protocol;
using Presently.Storage.Reports;
using Presently.Storage.Rollups;

namespace Presently.Storage.Ingest;

/// <summary>
/// A piece of an agent's active span that its person's device in front holds instead
/// (<see cref="ForegroundDevice"/>): stored in <c>device_overlaps</c>, within one UTC hour, and taken away from
/// the rollups and from spans read at a report's edges, so a person's time is counted once.
/// </summary>
internal readonly record struct OverlapRow(long AgentKey, long StartMs, long EndMs, string? App, string? Title, string? Context);

/// <summary>
/// Keeps a person's overlaps true: after a change to their spans in a window, the window's overlaps are
/// worked out again from the spans covering it (whoever holds an instant depends on nothing else) and the
/// rollups get the difference. People with one agent — nearly everyone — never get here.
/// </summary>
internal static class DeviceOverlaps
{
    private const long HourMs = 3_600_000;
    private const long DayMs = 86_400_000;

    /// <summary>Works out the person's overlaps in [fromMs, toMs) again, a day at a time (memory stays bounded).</summary>
    public static async Task RecountAsync(IIngestTarget target, long personId, long fromMs, long toMs, RollupDelta rollups, CancellationToken ct)
    {
        (fromMs, toMs) = ToHours(fromMs, toMs);
        for (var start = fromMs; start < toMs;)
        {
            var end = Math.Min(toMs, start + DayMs);
            await RecountWindowAsync(target, personId, start, end, rollups, ct);
            start = end;
        }
    }

    /// <summary>Whole UTC hours: every overlap row lies within one, so the window's rows are exactly those starting in it.</summary>
    private static async Task RecountWindowAsync(IIngestTarget target, long personId, long fromMs, long toMs, RollupDelta rollups, CancellationToken ct)
    {
        var spans = await target.PersonSpansAsync(personId, fromMs, toMs, ct);
        var fresh = new List<OverlapRow>();
        foreach (var piece in ForegroundDevice.Losers(spans))
        {
            for (var start = piece.StartMs; start < piece.EndMs;)
            {
                var end = Math.Min(piece.EndMs, (FloorDiv(start, HourMs) + 1) * HourMs);
                fresh.Add(piece.Payload with { StartMs = start, EndMs = end });
                start = end;
            }
        }
        fresh.Sort(Order);
        var old = await target.OverlapsAsync(personId, fromMs, toMs, ct);
        if (old.SequenceEqual(fresh)) return;
        foreach (var o in old) rollups.Add(o.AgentKey, o.StartMs, o.EndMs, o.App, o.Title, SpanContext.FromJson(o.Context), +1);
        foreach (var n in fresh) rollups.Add(n.AgentKey, n.StartMs, n.EndMs, n.App, n.Title, SpanContext.FromJson(n.Context), -1);
        await target.ReplaceOverlapsAsync(personId, fromMs, toMs, fresh, ct);
    }

    /// <summary>
    /// Works out the overlaps of whole histories again: of the people named (after an agent moved to
    /// another person or was removed with its data), or of everyone with several agents (a rebuild,
    /// after the overlaps were emptied).
    /// </summary>
    public static async Task RecountPeopleAsync(IIngestTarget target, IReadOnlyList<long>? personIds, RollupDelta rollups, CancellationToken ct)
    {
        foreach (var (personId, from, to) in await target.PeopleRangesAsync(personIds, ct))
            await RecountAsync(target, personId, from, to, rollups, ct);
    }

    /// <summary>How stores list a window's overlaps: by start, then agent.</summary>
    public static int Order(OverlapRow a, OverlapRow b) => a.StartMs != b.StartMs ? a.StartMs.CompareTo(b.StartMs) : a.AgentKey.CompareTo(b.AgentKey);

    /// <summary>The windows a batch touched, widened to whole hours and merged: each hour recounted once at the batch's end.</summary>
    public static IEnumerable<(long From, long To)> Merge(List<(long From, long To)> windows)
    {
        for (var i = 0; i < windows.Count; i++) windows[i] = ToHours(windows[i].From, windows[i].To);
        windows.Sort();
        (long From, long To)? current = null;
        foreach (var w in windows)
        {
            if (current is { } c && w.From <= c.To) current = (c.From, Math.Max(c.To, w.To));
            else
            {
                if (current is { } done) yield return done;
                current = w;
            }
        }
        if (current is { } last) yield return last;
    }

    private static (long From, long To) ToHours(long fromMs, long toMs) => (FloorDiv(fromMs, HourMs) * HourMs, -FloorDiv(-toMs, HourMs) * HourMs);

    private static long FloorDiv(long a, long b) => a / b - (a % b < 0 ? 1 : 0);
}
