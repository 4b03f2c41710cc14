using Microsoft.Extensions.Time.Testing;
using Presently.Agent.Spans;
using Presently.Protocol;

namespace Presently.Tests.Agent;

public class SpanBuilderTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 29, 9, 0, 0, TimeSpan.Zero);
    private readonly FakeTimeProvider _time = new(T0);
    private readonly SpanBuilder _builder;

    public SpanBuilderTests()
    {
        _builder = new SpanBuilder(new AgentClock(_time), new SequenceSource(_time),
            new SpanBuilderOptions(IdleThreshold: TimeSpan.FromMinutes(3), CheckpointInterval: TimeSpan.FromSeconds(5)));
    }

    private static Observation App(string app, string title = "t", double idleSeconds = 0, SpanState? forced = null) =>
        new(app, title, TimeSpan.FromSeconds(idleSeconds), forced);

    /// <summary>Time passes as it does under the real sensor: one observation a second, input idle growing.</summary>
    private void Pass(TimeSpan time, string app, double? idleAtStart)
    {
        for (var s = 1; s <= (int)time.TotalSeconds; s++)
        {
            _time.Advance(TimeSpan.FromSeconds(1));
            _builder.Observe(App(app, idleSeconds: idleAtStart is { } i ? i + s : 0));
        }
    }

    private static long Ms(double seconds) => T0.AddSeconds(seconds).ToUnixTimeMilliseconds();

    [Fact]
    public void A_switch_closes_one_span_and_opens_the_next_at_the_same_instant()
    {
        var first = Assert.Single(_builder.Observe(App("A")));
        _time.Advance(TimeSpan.FromSeconds(4));
        var records = _builder.Observe(App("B"));

        Assert.Equal(2, records.Count);
        Assert.Equal((first.SpanId, Ms(0), Ms(4), "A"), (records[0].SpanId, records[0].StartMs, records[0].EndMs, records[0].App));
        Assert.Equal((Ms(4), Ms(4), "B"), (records[1].StartMs, records[1].EndMs, records[1].App));
        Assert.True(records[1].Seq > records[0].Seq && records[0].Seq > first.Seq);
    }

    [Fact]
    public void A_title_change_starts_a_new_span()
    {
        _builder.Observe(App("A", "one"));
        _time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(2, _builder.Observe(App("A", "two")).Count);
    }

    [Fact]
    public void The_open_span_is_checkpointed_every_interval()
    {
        var open = Assert.Single(_builder.Observe(App("A")));
        _time.Advance(TimeSpan.FromSeconds(4));
        Assert.Empty(_builder.Observe(App("A")));
        _time.Advance(TimeSpan.FromSeconds(1));
        var checkpoint = Assert.Single(_builder.Observe(App("A")));
        Assert.Equal((open.SpanId, Ms(5)), (checkpoint.SpanId, checkpoint.EndMs));
    }

    [Fact]
    public void Idle_starts_at_the_last_input_not_when_the_threshold_passed()
    {
        _builder.Observe(App("A"));
        Pass(TimeSpan.FromSeconds(400), "A", idleAtStart: null); // typing all along
        // From second 400 on, no more input; the threshold (180 s) passes at second 580.
        var records = new List<SpanRecord>();
        for (var s = 1; s <= 180; s++)
        {
            _time.Advance(TimeSpan.FromSeconds(1));
            records.AddRange(_builder.Observe(App("A", idleSeconds: s)));
        }
        var idle = records.Single(r => r.State == SpanState.Idle);
        var active = records.Last(r => r.State == SpanState.Active);
        Assert.Equal(Ms(400), active.EndMs);
        Assert.Equal(Ms(400), idle.StartMs);
    }

    [Fact]
    public void Coming_back_ends_idle_at_the_input_that_woke_the_user()
    {
        _builder.Observe(App("A", idleSeconds: 300)); // already idle for 5 minutes when the agent starts
        Pass(TimeSpan.FromSeconds(600), "A", idleAtStart: 300);
        _time.Advance(TimeSpan.FromSeconds(1));
        var records = _builder.Observe(App("B", idleSeconds: 0.5)); // a key press half a second ago
        Assert.Equal((SpanState.Idle, Ms(-300), Ms(600.5)), (records[0].State, records[0].StartMs, records[0].EndMs));
        Assert.Equal((SpanState.Active, "B", Ms(600.5)), (records[1].State, records[1].App, records[1].StartMs));
    }

    [Fact]
    public void Switching_windows_while_idle_keeps_one_idle_span()
    {
        _builder.Observe(App("A", idleSeconds: 300));
        _time.Advance(TimeSpan.FromSeconds(3));
        Assert.Empty(_builder.Observe(App("B", idleSeconds: 303)));
    }

    [Fact]
    public void Private_and_paused_spans_carry_no_app_or_title()
    {
        _builder.Observe(App("A"));
        _time.Advance(TimeSpan.FromSeconds(1));
        var records = _builder.Observe(App("KeePassXC", "bank.kdbx", forced: SpanState.Private));
        Assert.Equal((SpanState.Private, null, null), (records[1].State, records[1].App, records[1].Title));
        _time.Advance(TimeSpan.FromSeconds(1));
        records = _builder.Observe(App("A", "secret", forced: SpanState.Paused));
        Assert.Equal((SpanState.Paused, null, null), (records[1].State, records[1].App, records[1].Title));
    }

    [Fact]
    public void A_gap_between_observations_ends_the_span_where_the_user_was_last_seen()
    {
        var first = Assert.Single(_builder.Observe(App("A")));
        Pass(TimeSpan.FromSeconds(3), "A", idleAtStart: null);
        _time.Advance(TimeSpan.FromHours(2)); // suspended: no observations at all
        var records = _builder.Observe(App("A"));
        Assert.Equal((first.SpanId, Ms(3)), (records[0].SpanId, records[0].EndMs));
        Assert.Equal(Ms(7203), records[^1].StartMs);
        Assert.NotEqual(first.SpanId, records[^1].SpanId);
    }

    [Fact]
    public void A_suspend_that_stops_the_monotonic_clock_is_detected_from_the_wall_clock()
    {
        var time = new SteppingClock { Wall = T0 };
        var builder = new SpanBuilder(new AgentClock(time), new SequenceSource(time), new SpanBuilderOptions(TimeSpan.FromMinutes(3), TimeSpan.FromSeconds(5)));
        builder.Observe(App("A"));
        time.Monotonic += TimeSpan.FromSeconds(1);
        time.Wall += TimeSpan.FromSeconds(1);
        builder.Observe(App("A"));
        time.Wall += TimeSpan.FromHours(8); // CLOCK_MONOTONIC does not count the suspend
        time.Monotonic += TimeSpan.FromSeconds(1);
        time.Wall += TimeSpan.FromSeconds(1);
        var records = builder.Observe(App("A"));
        Assert.Equal(Ms(1), records[0].EndMs);
        Assert.Equal(T0.AddHours(8).AddSeconds(2).ToUnixTimeMilliseconds(), records[^1].StartMs);
    }

    [Fact]
    public void A_wall_clock_step_back_never_makes_a_negative_span()
    {
        var time = new SteppingClock { Wall = T0 };
        var builder = new SpanBuilder(new AgentClock(time), new SequenceSource(time), new SpanBuilderOptions(TimeSpan.FromMinutes(3), TimeSpan.FromSeconds(5)));
        builder.Observe(App("A"));
        time.Monotonic += TimeSpan.FromSeconds(10);
        time.Wall = T0.AddHours(-1); // NTP steps the wall clock back; the monotonic clock moved on
        var records = builder.Observe(App("B"));
        Assert.Equal(2, records.Count);
        Assert.Equal(10_000, records[0].EndMs - records[0].StartMs);
        Assert.True(records[1].Seq > records[0].Seq);
    }

    /// <summary>A clock whose wall time can jump anywhere while its monotonic time only advances.</summary>
    private sealed class SteppingClock : TimeProvider
    {
        public DateTimeOffset Wall { get; set; }
        public TimeSpan Monotonic { get; set; }
        public override DateTimeOffset GetUtcNow() => Wall;
        public override long GetTimestamp() => Monotonic.Ticks;
        public override long TimestampFrequency => TimeSpan.TicksPerSecond;
    }

    [Fact]
    public void Long_titles_are_cut_to_the_protocol_limit()
    {
        var r = Assert.Single(_builder.Observe(App("A", new string('x', 5000))));
        Assert.Equal(ProtocolConstants.MaxTitleLength, r.Title!.Length);
    }

    [Fact]
    public void Close_ends_the_open_span_now()
    {
        _builder.Observe(App("A"));
        _time.Advance(TimeSpan.FromSeconds(7));
        var closed = Assert.Single(_builder.Close());
        Assert.Equal(Ms(7), closed.EndMs);
        Assert.Empty(_builder.Close());
    }
}
