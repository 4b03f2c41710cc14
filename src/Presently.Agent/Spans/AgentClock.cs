namespace Presently.Agent.Spans;

/// <summary>
/// Wall-clock time that only moves forward: anchored to the wall clock once, then advanced by the
/// monotonic clock, so an NTP step or a suspend never makes a span end before it starts.
/// </summary>
public sealed class AgentClock
{
    private readonly TimeProvider _time;
    private readonly long _anchorTimestamp;
    private readonly DateTimeOffset _anchorWall;

    public AgentClock(TimeProvider time)
    {
        _time = time;
        _anchorTimestamp = time.GetTimestamp();
        _anchorWall = time.GetUtcNow();
    }

    public DateTimeOffset Now => _anchorWall + _time.GetElapsedTime(_anchorTimestamp);

    public long NowMs => Now.ToUnixTimeMilliseconds();
}
