using Microsoft.Extensions.Time.Testing;
using Presently.Agent.Sensors;
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

    private static ForegroundSample App(string app, string title = "t", double idleSeconds = 0) =>
        new(app, title, app.ToLowerInvariant(), TimeSpan.FromSeconds(idleSeconds));

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
        _time.Advance(TimeSpan.FromMinutes(10));
        // Last input was 200 s ago (threshold 180 s): the user left at minute 10 - 200 s.
        var records = _builder.Observe(App("A", idleSeconds: 200));
        Assert.Equal(2, records.Count);
        Assert.Equal((SpanState.Active, Ms(400)), (records[0].State, records[0].EndMs));
        Assert.Equal((SpanState.Idle, Ms(400)), (records[1].State, records[1].StartMs));
    }

    [Fact]
    public void Coming_back_ends_idle_at_the_input_that_woke_the_user()
    {
        _builder.Observe(App("A"));
        _time.Advance(TimeSpan.FromMinutes(10));
        _builder.Observe(App("A", idleSeconds: 600));
        _time.Advance(TimeSpan.FromMinutes(5));
        var records = _builder.Observe(App("B", idleSeconds: 2));
        Assert.Equal((SpanState.Idle, Ms(0), Ms(898)), (records[0].State, records[0].StartMs, records[0].EndMs));
        Assert.Equal((SpanState.Active, "B", Ms(898)), (records[1].State, records[1].App, records[1].StartMs));
    }

    [Fact]
    public void Switching_windows_while_idle_keeps_one_idle_span()
    {
        _builder.Observe(App("A", idleSeconds: 300));
        _time.Advance(TimeSpan.FromSeconds(3));
        Assert.Empty(_builder.Observe(App("B", idleSeconds: 303)));
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
