using Microsoft.Extensions.Time.Testing;
using Presently.Agent.Sensors;
using Presently.Agent.Spans;
using Presently.Protocol;

namespace Presently.Tests.Agent;

public class SampleGateTests
{
    private static readonly TimeSpan Threshold = TimeSpan.FromMinutes(3);
    private static readonly TimeSpan Checkpoint = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan SleepGap = TimeSpan.FromSeconds(10);
    private static readonly DateTimeOffset T0 = new(2026, 11, 30, 9, 0, 0, TimeSpan.Zero);

    private static ForegroundSample S(string app, string title = "t", double idle = 0) => new(app, title, app.ToLowerInvariant(), TimeSpan.FromSeconds(idle));

    private static SampleGate Gate() => new(Threshold, SampleGate.HeartbeatFor(Checkpoint, SleepGap));

    [Fact]
    public void Passes_changes_and_a_heartbeat_and_nothing_else()
    {
        var gate = Gate();
        Assert.True(gate.ShouldPass(S("A"), new Instant(0, false)));
        Assert.False(gate.ShouldPass(S("A", idle: 1), new Instant(1_000, false)));
        Assert.False(gate.ShouldPass(S("A", idle: 2), new Instant(2_000, false)));
        Assert.True(gate.ShouldPass(S("A", "other title"), new Instant(3_000, false)));
        Assert.Equal(2_000, gate.SeenThroughMs);
        Assert.True(gate.ShouldPass(S("B", "other title"), new Instant(3_500, false)));
        Assert.False(gate.ShouldPass(S("B", "other title", 4), new Instant(8_499, false)));
        Assert.True(gate.ShouldPass(S("B", "other title", 5), new Instant(8_500, false)));         // heartbeat
        Assert.True(gate.ShouldPass(S("B", "other title", 180), new Instant(9_000, false)));       // idle crossed
        Assert.False(gate.ShouldPass(S("B", "other title", 181), new Instant(10_000, false)));
        Assert.True(gate.ShouldPass(S("B", "other title", 0.2), new Instant(11_000, false)));      // back
        Assert.True(gate.ShouldPass(S("B", "other title", 1), new Instant(11_500, true)));         // clock jump
        Assert.True(gate.ShouldPass(S("B", "other title", 1), new Instant(11_600, false), external: 42)); // pause file
        Assert.False(gate.ShouldPass(S("B", "other title", 1), new Instant(11_700, false), external: 42, deadlineMs: 12_000));
        Assert.True(gate.ShouldPass(S("B", "other title", 1), new Instant(12_000, false), external: 42, deadlineMs: 12_000)); // pause ends
        Assert.True(gate.ShouldPass(new ForegroundSample("B", "other title", "b", null), new Instant(12_100, false), external: 42)); // idle unknown
    }

    [Fact]
    public void The_builder_records_the_same_spans_from_the_gated_samples_as_from_all_of_them()
    {
        // A day of random desktop life, a sample a second: switches, title changes, idle stretches,
        // sleeps (the sensor stops seeing anything; half of them with a wall-clock jump) and stalls.
        for (var seed = 1; seed <= 20; seed++)
        {
            var random = new Random(seed);
            var all = new Recorder();
            var gated = new Recorder();
            var gate = Gate();
            var apps = new[] { "Editor", "Browser", "Terminal", "Mail" };
            var app = "Editor";
            var title = "one";
            var idle = 0.0;
            var ms = 0L;
            for (var step = 0; step < 3_000; step++)
            {
                var roll = random.NextDouble();
                if (roll < 0.03) app = apps[random.Next(apps.Length)];
                else if (roll < 0.05) title = $"title {random.Next(5)}";
                else if (roll < 0.055) idle = 170 + random.Next(20); // about to go idle
                else if (roll < 0.07) idle = random.NextDouble() * 2; // input
                var jump = false;
                if (roll > 0.997)
                {
                    // Asleep or stalled for 12 s to 10 min: with a jump (suspend) or without (a stall).
                    var away = 12_000 + random.Next(600_000);
                    ms += away;
                    idle += away / 1000.0;
                    jump = random.Next(2) == 0;
                }
                ms += 1000;
                idle += 1;
                var sample = S(app, title, idle);
                var at = new Instant(ms, jump);
                all.Observe(sample, at, 0);
                if (gate.ShouldPass(sample, at)) gated.Observe(sample, at, gate.SeenThroughMs);
            }
            all.Close(ms);
            gated.Close(ms);
            Assert.True(gated.Observations < all.Observations / 3, $"seed {seed}: {gated.Observations} of {all.Observations} samples passed");
            Assert.Equal(all.Spans(), gated.Spans());
        }
    }

    /// <summary>A builder and the spans it recorded (checkpoints folded into the span they extend).</summary>
    private sealed class Recorder
    {
        private readonly SpanBuilder _builder = new(new AgentClock(new FakeTimeProvider(T0)), new SequenceSource(new FakeTimeProvider(T0)),
            new SpanBuilderOptions(Threshold, Checkpoint, SleepGap));
        private readonly Dictionary<long, SpanRecord> _spans = [];

        public int Observations { get; private set; }

        public void Observe(ForegroundSample s, Instant at, long seenThrough)
        {
            Observations++;
            Add(_builder.Observe(new Observation(s.App, s.Title, s.Idle), at with { Ms = T0.ToUnixTimeMilliseconds() + at.Ms }, seenThrough == 0 ? 0 : T0.ToUnixTimeMilliseconds() + seenThrough));
        }

        public void Close(long ms) => Add(_builder.Close(T0.ToUnixTimeMilliseconds() + ms));

        public List<(long Start, long End, SpanState State, string? App, string? Title)> Spans() =>
            [.. _spans.Values.OrderBy(r => r.StartMs).Select(r => (r.StartMs, r.EndMs, r.State, r.App, r.Title))];

        private void Add(IReadOnlyList<SpanRecord> records)
        {
            foreach (var r in records) _spans[r.SpanId] = r;
        }
    }
}
