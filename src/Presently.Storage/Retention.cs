namespace Presently.Storage;

/// <summary>What <see cref="ISpanStore.DeleteSpansBeforeAsync"/> deleted.</summary>
/// <param name="SpanRows">Stored span rows (a span longer than an hour is stored as several).</param>
/// <param name="RollupRows">Rollup rows (hours and days, with and without context); 0 when rollups were kept.</param>
public sealed record RetentionResult(long SpanRows, long RollupRows)
{
    public bool DeletedAnything => SpanRows > 0 || RollupRows > 0;
}

/// <summary>The retention cutoff's rules, the same for every store.</summary>
public static class Retention
{
    public const long DayMs = 86_400_000;
    public const long HourMs = 3_600_000;

    /// <summary>The cutoff in milliseconds since 1970; it must be a UTC midnight, so whole UTC days (and hours) go.</summary>
    public static long CutoffMs(DateTimeOffset cutoff)
    {
        var ms = cutoff.ToUnixTimeMilliseconds();
        if (ms % DayMs != 0) throw new ArgumentException($"the retention cutoff must be a UTC midnight, not {cutoff:O}", nameof(cutoff));
        return ms;
    }

    /// <summary>The UTC midnight <paramref name="months"/> calendar months before the UTC day of <paramref name="now"/>.</summary>
    public static DateTimeOffset CutoffFor(DateTimeOffset now, int months) =>
        new(now.UtcDateTime.Date.AddMonths(-months), TimeSpan.Zero);
}
