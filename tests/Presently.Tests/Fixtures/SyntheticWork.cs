using Presently.Protocol;

namespace Presently.Tests.Fixtures;

/// <summary>
/// A reproducible stream of span records as an agent produces them: consecutive spans of random
/// apps, each sent once when it opens, possibly checkpointed, and once more when it closes. The
/// ground truth is what the final versions add up to per app.
/// </summary>
public sealed class SyntheticWork
{
    public SyntheticWork(int spans, int seed, DateTimeOffset start, string[]? apps = null)
    {
        apps ??= ["vim", "firefox", "slack", "xterm", "zoom"];
        var random = new Random(seed);
        var seq = 0L;
        var t = start.ToUnixTimeMilliseconds();
        for (var i = 0; i < spans; i++)
        {
            var app = apps[random.Next(apps.Length)];
            var length = random.Next(1, 120_000);
            var spanId = seq + 1;
            Records.Add(new SpanRecord(++seq, spanId, t, t, SpanState.Active, app, $"{app} window {i}", null));
            for (var c = random.Next(0, 3); c > 0; c--)
                Records.Add(new SpanRecord(++seq, spanId, t, t + length / (c + 1), SpanState.Active, app, $"{app} window {i}", null));
            Records.Add(new SpanRecord(++seq, spanId, t, t + length, SpanState.Active, app, $"{app} window {i}", null));
            TotalsMs[app] = TotalsMs.GetValueOrDefault(app) + length;
            SpanIds.Add(spanId);
            t += length;
        }
        End = DateTimeOffset.FromUnixTimeMilliseconds(t);
    }

    public List<SpanRecord> Records { get; } = [];

    public Dictionary<string, long> TotalsMs { get; } = [];

    public HashSet<long> SpanIds { get; } = [];

    public DateTimeOffset End { get; }
}
