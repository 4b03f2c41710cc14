using Presently.Agent.Spans;

namespace Presently.Agent.Sensors;

/// <summary>
/// Decides, on the sensor thread, which samples the pipeline needs. A sensor looks every poll
/// interval (it must, to see idle time grow), but the span builder only needs a sample when
/// something it records may have changed: the app, title or process; idle crossing the threshold;
/// a clock jump; the pause file; a pause running out — and at least every <c>heartbeat</c>, so the
/// open span is still checkpointed and a gap still means the machine slept. Everything else is
/// dropped here, before it wakes the pipeline's thread, touches the journal or the status file.
/// </summary>
public sealed class SampleGate
{
    private readonly TimeSpan _idleThreshold;
    private readonly long _heartbeatMs;
    private ForegroundSample? _last;
    private long _lastMs;
    private long _lastExternal;
    private long _seenMs;

    /// <param name="idleThreshold">The builder's idle threshold: crossing it either way is a change.</param>
    /// <param name="heartbeat">Longest time without a sample passed on.</param>
    public SampleGate(TimeSpan idleThreshold, TimeSpan heartbeat)
    {
        if (heartbeat <= TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(heartbeat));
        _idleThreshold = idleThreshold;
        _heartbeatMs = (long)heartbeat.TotalMilliseconds;
    }

    /// <summary>The heartbeat for a builder: often enough to checkpoint on time, and well inside the sleep gap.</summary>
    public static TimeSpan HeartbeatFor(TimeSpan checkpointInterval, TimeSpan sleepGap) =>
        TimeSpan.FromMilliseconds(Math.Max(1, Math.Min(checkpointInterval.TotalMilliseconds, sleepGap.TotalMilliseconds / 2)));

    /// <summary>
    /// When the sensor last saw something before the sample just passed: what the builder last
    /// received was still true then (nothing that matters changed), so a sleep or stall right after
    /// it is measured from there, as if every sample had been passed on.
    /// </summary>
    public long SeenThroughMs { get; private set; }

    /// <param name="sample">What the sensor sees now.</param>
    /// <param name="at">When it saw it.</param>
    /// <param name="external">A version of outside state the pipeline reads (the pause file's write time): any change passes.</param>
    /// <param name="deadlineMs">An instant at which the pipeline's state changes by itself (a timed pause ends), or 0.</param>
    public bool ShouldPass(ForegroundSample sample, Instant at, long external = 0, long deadlineMs = 0)
    {
        var last = _last;
        var pass = last is null
            || at.AfterJump
            || external != _lastExternal
            || at.Ms - _lastMs >= _heartbeatMs
            || (deadlineMs > _lastMs && at.Ms >= deadlineMs)
            || !string.Equals(sample.App, last.App, StringComparison.Ordinal)
            || !string.Equals(sample.Title, last.Title, StringComparison.Ordinal)
            || !string.Equals(sample.Process, last.Process, StringComparison.Ordinal)
            || IsIdle(sample) != IsIdle(last);
        var previous = _seenMs;
        _seenMs = at.Ms;
        if (pass)
        {
            SeenThroughMs = previous;
            _last = sample;
            _lastMs = at.Ms;
            _lastExternal = external;
        }
        return pass;
    }

    // Null idle (the platform cannot tell) is its own state: it differs from both sides of the threshold.
    private int IsIdle(ForegroundSample s) => s.Idle is not { } idle ? -1 : idle >= _idleThreshold ? 1 : 0;
}
