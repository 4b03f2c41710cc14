namespace Presently.Agent.Spans;

/// <summary>
/// Wall-clock time that only moves forward: anchored to the wall clock, then advanced by the
/// monotonic clock, so an NTP step back never makes a span end before it starts. The monotonic
/// clock stops during suspend; <see cref="DetectJump"/> notices the wall clock running ahead
/// and re-anchors, reporting the gap so no span covers the time the machine slept.
/// </summary>
public sealed class AgentClock
{
    private readonly TimeProvider _time;
    private readonly Lock _lock = new();
    private long _anchorTimestamp;
    private DateTimeOffset _anchorWall;

    public AgentClock(TimeProvider time)
    {
        _time = time;
        _anchorTimestamp = time.GetTimestamp();
        _anchorWall = time.GetUtcNow();
    }

    public DateTimeOffset Now
    {
        get { lock (_lock) return _anchorWall + _time.GetElapsedTime(_anchorTimestamp); }
    }

    public long NowMs => Now.ToUnixTimeMilliseconds();

    /// <summary>
    /// If the wall clock has run ahead of this clock by more than <paramref name="threshold"/>
    /// (a suspend, or a step forward), re-anchors and returns true. A step back is ignored: time
    /// keeps moving forward from where it was.
    /// </summary>
    public bool DetectJump(TimeSpan threshold)
    {
        lock (_lock)
        {
            var wall = _time.GetUtcNow();
            if (wall - (_anchorWall + _time.GetElapsedTime(_anchorTimestamp)) <= threshold) return false;
            _anchorTimestamp = _time.GetTimestamp();
            _anchorWall = wall;
            return true;
        }
    }

    /// <summary>The moment something was seen: read when it was seen, not when it is processed.</summary>
    public Instant Stamp(TimeSpan jumpThreshold)
    {
        var jumped = DetectJump(jumpThreshold);
        return new Instant(NowMs, jumped);
    }
}

/// <summary>A point on the agent clock; <see cref="AfterJump"/> when the wall clock jumped just before it (a suspend).</summary>
public readonly record struct Instant(long Ms, bool AfterJump);
