namespace Presently.Agent.Spans;

/// <summary>
/// Sequence numbers for span records: strictly increasing, and above anything an earlier run of
/// this agent sent, because they start from the wall clock in microseconds.
/// </summary>
public sealed class SequenceSource
{
    private readonly Lock _lock = new();
    private readonly TimeProvider _time;
    private long _last;

    public SequenceSource(TimeProvider time, long after = 0)
    {
        _time = time;
        _last = after;
    }

    public long Next()
    {
        lock (_lock)
        {
            var micros = _time.GetUtcNow().ToUnixTimeMilliseconds() * 1000;
            _last = Math.Max(_last + 1, micros);
            return _last;
        }
    }
}
