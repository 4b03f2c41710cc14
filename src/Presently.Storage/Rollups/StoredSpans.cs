namespace Presently.Storage.Rollups;

/// <summary>
/// How spans are laid out in a store. A span longer than <see cref="MaxRowMs"/> is stored as several
/// rows (parts) of at most that length, each starting where the previous one ended, so every row
/// overlapping [from, to) starts in [from − MaxRowMs, to): both ends of a period's index range are
/// bounded, and a period's cost follows the period, not the history after it.
/// </summary>
public static class StoredSpans
{
    public const long MaxRowMs = 3_600_000;

    /// <summary>The parts [start, end) is stored as: part 0 from start, each at most <see cref="MaxRowMs"/>.</summary>
    public static int PartCount(long startMs, long endMs) =>
        endMs <= startMs ? 1 : (int)Math.Min(int.MaxValue, (endMs - startMs + MaxRowMs - 1) / MaxRowMs);

    public static (long Start, long End) Part(long startMs, long endMs, int part)
    {
        var start = startMs + part * MaxRowMs;
        return (start, Math.Min(endMs, start + MaxRowMs));
    }

    /// <summary>
    /// Stored parts back into spans: parts in (agent, span, part) order, each span from its first part
    /// to its last one's end; in start order, at most <paramref name="maxSpans"/> (the earliest).
    /// </summary>
    public static IReadOnlyList<StoredSpan> Join(IEnumerable<StoredSpan> parts, int maxSpans)
    {
        var spans = new List<StoredSpan>();
        foreach (var part in parts)
        {
            if (spans.Count > 0 && spans[^1].AgentId == part.AgentId && spans[^1].SpanId == part.SpanId)
                spans[^1] = spans[^1] with { End = part.End > spans[^1].End ? part.End : spans[^1].End };
            else
                spans.Add(part);
        }
        spans.Sort((a, b) => a.Start != b.Start ? a.Start.CompareTo(b.Start)
            : string.CompareOrdinal(a.AgentId, b.AgentId) is var byAgent and not 0 ? byAgent : a.SpanId.CompareTo(b.SpanId));
        return spans.Count <= maxSpans ? spans : spans[..maxSpans];
    }
}
