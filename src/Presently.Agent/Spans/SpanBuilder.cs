using Presently.Agent.Sensors;
using Presently.Protocol;

namespace Presently.Agent.Spans;

public sealed record SpanBuilderOptions(TimeSpan IdleThreshold, TimeSpan CheckpointInterval);

/// <summary>
/// Turns foreground samples into span records. A new span starts when the app, the title or the
/// state changes; the open span is re-sent (checkpointed) with a later end every checkpoint interval.
/// Idle begins at the last input, not when the threshold passed: the active span is cut back to it.
/// </summary>
public sealed class SpanBuilder
{
    private readonly AgentClock _clock;
    private readonly SequenceSource _seq;
    private readonly SpanBuilderOptions _options;
    private OpenSpan? _open;
    private long _lastEmitMs;

    public SpanBuilder(AgentClock clock, SequenceSource seq, SpanBuilderOptions options)
    {
        _clock = clock;
        _seq = seq;
        _options = options;
    }

    public IReadOnlyList<SpanRecord> Observe(ForegroundSample sample)
    {
        var now = _clock.NowMs;
        var idle = sample.Idle is { } i && i >= _options.IdleThreshold;
        var lastInput = sample.Idle is { } d ? now - (long)d.TotalMilliseconds : now;
        var state = idle ? SpanState.Idle : SpanState.Active;
        var app = Truncate(sample.App, ProtocolConstants.MaxAppLength);
        var title = Truncate(sample.Title, ProtocolConstants.MaxTitleLength);

        if (_open is null)
        {
            var start = idle ? lastInput : now;
            return [Start(new OpenSpan(0, Math.Min(start, now), state, app, title), now)];
        }

        var changed = _open.State != state || (state == SpanState.Active && (_open.App != app || _open.Title != title));
        if (changed)
        {
            // Going idle: the boundary is the last input. Coming back: the input that woke us, which
            // also happened at lastInput. Either way never before the open span began.
            var boundary = _open.State != state ? Math.Clamp(lastInput, _open.StartMs, now) : now;
            var closed = Record(_open, boundary);
            var next = Start(new OpenSpan(0, boundary, state, app, title), boundary);
            return [closed, next];
        }

        if (now - _lastEmitMs >= (long)_options.CheckpointInterval.TotalMilliseconds)
        {
            _lastEmitMs = now;
            return [Record(_open, now)];
        }
        return [];
    }

    /// <summary>Ends the open span now (shutdown, sleep); the next sample starts a new one.</summary>
    public IReadOnlyList<SpanRecord> Close()
    {
        if (_open is null) return [];
        var record = Record(_open, _clock.NowMs);
        _open = null;
        return [record];
    }

    private SpanRecord Start(OpenSpan span, long emitMs)
    {
        var id = _seq.Next();
        _open = span with { Id = id };
        _lastEmitMs = emitMs;
        return new SpanRecord(id, id, span.StartMs, span.StartMs, span.State, span.App, span.Title, null);
    }

    private SpanRecord Record(OpenSpan span, long endMs) =>
        new(_seq.Next(), span.Id, span.StartMs, Math.Max(endMs, span.StartMs), span.State, span.App, span.Title, null);

    private static string? Truncate(string? s, int max)
    {
        if (s is null || s.Length <= max) return s;
        // Never cut a surrogate pair in half.
        return char.IsHighSurrogate(s[max - 1]) ? s[..(max - 1)] : s[..max];
    }

    private sealed record OpenSpan(long Id, long StartMs, SpanState State, string? App, string? Title);
}
