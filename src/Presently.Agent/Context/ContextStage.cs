using System.Diagnostics;
using Presently.Agent.Privacy;
using Presently.Agent.Sensors;

namespace Presently.Agent.Context;

/// <summary>
/// Runs the enrichers on a sample: only for apps the privacy filter lets be looked into, each within
/// its budget, none able to stop the others. An enricher that throws or overruns its budget three
/// times in a row is switched off until the agent restarts, and `status` says why. Media playing
/// lowers the idle time (see <see cref="ContextSettings.MediaCountsAsPresent"/>).
/// </summary>
public sealed class ContextStage
{
    private const int StrikesToSwitchOff = 3;

    private readonly List<Slot> _slots;
    private readonly PrivacyFilter _privacy;
    private readonly IPresenceSource? _presence;
    private readonly TimeProvider _time;
    private readonly TimeSpan _budget;
    private readonly AgentLog _log;
    private int _version;

    public ContextStage(IEnumerable<IContextEnricher> enrichers, PrivacyFilter privacy, ContextSettings settings, TimeProvider time, AgentLog log, IPresenceSource? presence = null)
    {
        _slots = [.. enrichers.Select(e => new Slot(e))];
        _privacy = privacy;
        _presence = settings.MediaCountsAsPresent ? presence : null;
        _time = time;
        _budget = settings.Budget;
        _log = log;
    }

    /// <summary>Changes whenever an enricher is switched off: the status is written again at once.</summary>
    public int Version => Volatile.Read(ref _version);

    public ForegroundSample Enrich(ForegroundSample sample)
    {
        if (_presence?.LastPlayingAt(_time.GetUtcNow()) is { } playing && sample.Idle is { } idle)
        {
            var sincePlaying = _time.GetUtcNow() - playing;
            if (sincePlaying < idle) sample = sample with { Idle = sincePlaying < TimeSpan.Zero ? TimeSpan.Zero : sincePlaying };
        }
        if (!_privacy.MayIntrospect(sample)) return sample;
        var facts = new ContextFacts();
        foreach (var slot in _slots)
        {
            if (slot.SwitchedOff is not null || !Applies(slot, sample)) continue;
            var started = Stopwatch.GetTimestamp();
            // A budget, not a cancelled token: arming a timer for every enricher on every sample would wake
            // the timer thread each time, which costs more than most enrichers.
            try
            {
                slot.Enricher.Enrich(sample, facts, _budget);
                var took = Stopwatch.GetElapsedTime(started);
                if (took > _budget) Strike(slot, $"took {took.TotalMilliseconds:0} ms, over its budget of {_budget.TotalMilliseconds:0} ms");
                else slot.Strikes = 0;
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                Strike(slot, $"failed: {ex.GetType().Name}: {ex.Message}");
            }
        }
        return sample with { Context = facts.ToContext() };
    }

    /// <summary>True when an enricher for this app finds things that change without a window event.</summary>
    public bool NeedsRefresh(ForegroundSample sample) =>
        _privacy.MayIntrospect(sample) && _slots.Any(s => s.SwitchedOff is null && s.Enricher.ChangesWithoutWindowEvents && Applies(s, sample));

    /// <summary>For `presently-agent status`: each enricher, and for those that do not work, why.</summary>
    public string[] Describe() =>
        [.. _slots.Select(s => s.SwitchedOff is { } why ? $"{s.Enricher.Name} (switched off: {why})"
            : s.Enricher.Unavailable is { } missing ? $"{s.Enricher.Name} (not working: {missing})"
            : s.Enricher.Name)];

    private static bool Applies(Slot slot, ForegroundSample sample)
    {
        try
        {
            return slot.Enricher.Applies(sample);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            return false;
        }
    }

    private void Strike(Slot slot, string why)
    {
        if (++slot.Strikes < StrikesToSwitchOff)
        {
            _log.Debug($"enricher {slot.Enricher.Name} {why}");
            return;
        }
        slot.SwitchedOff = why;
        Interlocked.Increment(ref _version);
        _log.Warn($"enricher {slot.Enricher.Name} switched off: {why} ({StrikesToSwitchOff} times in a row)");
    }

    private sealed class Slot(IContextEnricher enricher)
    {
        public IContextEnricher Enricher { get; } = enricher;
        public int Strikes { get; set; }
        public string? SwitchedOff { get; set; }
    }
}
