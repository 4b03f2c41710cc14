using Presently.Protocol;

namespace Presently.Agent.Spans;

/// <summary>
/// Tuning of the span builder. <paramref name="GapThreshold"/>: a pause between two observations
/// longer than this means the machine was asleep or stalled; that time belongs to no span.
/// </summary>
public sealed record SpanBuilderOptions(TimeSpan IdleThreshold, TimeSpan CheckpointInterval, TimeSpan? GapThreshold = null)
{
    public TimeSpan Gap => GapThreshold ?? TimeSpan.FromSeconds(10);
}

/// <summary>
/// What the privacy filter lets through: the app, title and context (null when excluded or redacted
/// away), input idle time, and a state that overrides activity (paused, private, locked).
/// </summary>
public sealed record Observation(string? App, string? Title, TimeSpan? Idle, SpanState? Forced = null, SpanContext? Context = null);

/// <summary>
/// Turns observations into span records. A new span starts when the app, the title, the context
/// (a new track, another tab) or the state changes; the open span is re-sent (checkpointed) with a later end every checkpoint interval.
/// Idle begins at the last input, not when the threshold passed: the active span is cut back to it.
/// </summary>
public sealed class SpanBuilder
{
    private readonly AgentClock _clock;
    private readonly SequenceSource _seq;
    private readonly SpanBuilderOptions _options;
    private OpenSpan? _open;
    private long _lastEmitMs;
    private long _lastObservedMs;
    private long _closedThroughMs;

    public SpanBuilder(AgentClock clock, SequenceSource seq, SpanBuilderOptions options)
    {
        _clock = clock;
        _seq = seq;
        _options = options;
    }

    /// <summary>Observes at the current clock time.</summary>
    public IReadOnlyList<SpanRecord> Observe(Observation o) => Observe(o, _clock.Stamp(_options.Gap));

    /// <summary>Observes what was seen at <paramref name="at"/> (stamped by the sensor thread when it was seen).</summary>
    /// <param name="seenThroughMs">
    /// The sensor saw the previous observation unchanged until then (it passes on only changes and a
    /// heartbeat, see <see cref="Sensors.SampleGate"/>): the open span was observed that long.
    /// </param>
    public IReadOnlyList<SpanRecord> Observe(Observation o, Instant at, long seenThroughMs = 0)
    {
        var records = new List<SpanRecord>(3);
        if (_open is not null && seenThroughMs > _lastObservedMs && seenThroughMs <= at.Ms) _lastObservedMs = seenThroughMs;
        // After a suspend (the wall clock ran ahead) or a stall, the open span ends where we last saw the user.
        var now = Math.Max(at.Ms, _lastObservedMs);
        if (_open is not null && (at.AfterJump || now - _lastObservedMs > (long)_options.Gap.TotalMilliseconds))
        {
            records.Add(Record(_open, _lastObservedMs));
            _closedThroughMs = records[^1].EndMs;
            _open = null;
        }
        _lastObservedMs = now;

        var inputIdle = o.Idle is { } i && i >= _options.IdleThreshold;
        var lastInput = o.Idle is { } d ? now - (long)d.TotalMilliseconds : now;
        var idleByInput = o.Forced is null && inputIdle;
        var state = o.Forced ?? (inputIdle ? SpanState.Idle : SpanState.Active);
        var hidden = state is SpanState.Private or SpanState.Paused;
        var app = hidden ? null : Truncate(o.App, ProtocolConstants.MaxAppLength);
        var title = hidden ? null : Truncate(o.Title, ProtocolConstants.MaxTitleLength);
        var context = hidden ? null : o.Context;

        if (_open is null)
        {
            // A new span never reaches back over the one closed before it.
            var start = idleByInput ? Math.Max(lastInput, _closedThroughMs) : now;
            records.Add(Start(new OpenSpan(0, Math.Min(start, now), state, idleByInput, app, title, context), now));
            return records;
        }

        var changed = _open.State != state || (state == SpanState.Active && (_open.App != app || _open.Title != title || _open.Context != context));
        if (changed)
        {
            // Going idle, the boundary is the last input; coming back, it is the input that woke
            // us, which also happened at lastInput. Never before the open span began.
            var boundary = _open.IdleByInput != idleByInput ? Math.Clamp(lastInput, _open.StartMs, now) : now;
            records.Add(Record(_open, boundary));
            records.Add(Start(new OpenSpan(0, boundary, state, idleByInput, app, title, context), boundary));
            return records;
        }

        if (now - _lastEmitMs >= (long)_options.CheckpointInterval.TotalMilliseconds)
        {
            _lastEmitMs = now;
            records.Add(Record(_open, now));
        }
        return records;
    }

    /// <summary>Ends the open span now (shutdown, sleep); the next observation starts a new one.</summary>
    public IReadOnlyList<SpanRecord> Close() => Close(_clock.NowMs);

    public IReadOnlyList<SpanRecord> Close(long atMs)
    {
        if (_open is null) return [];
        var record = Record(_open, Math.Max(atMs, _lastObservedMs));
        _closedThroughMs = record.EndMs;
        _open = null;
        return [record];
    }

    private SpanRecord Start(OpenSpan span, long emitMs)
    {
        var id = _seq.Next();
        _open = span with { Id = id };
        _lastEmitMs = emitMs;
        return new SpanRecord(id, id, span.StartMs, span.StartMs, span.State, span.App, span.Title, span.Context);
    }

    private SpanRecord Record(OpenSpan span, long endMs) =>
        new(_seq.Next(), span.Id, span.StartMs, Math.Max(endMs, span.StartMs), span.State, span.App, span.Title, span.Context);

    private static string? Truncate(string? s, int max)
    {
        if (s is null || s.Length <= max) return s;
        // Never cut a surrogate pair in half.
        return char.IsHighSurrogate(s[max - 1]) ? s[..(max - 1)] : s[..max];
    }

    private sealed record OpenSpan(long Id, long StartMs, SpanState State, bool IdleByInput, string? App, string? Title, SpanContext? Context);
}
