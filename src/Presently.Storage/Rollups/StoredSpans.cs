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
}
