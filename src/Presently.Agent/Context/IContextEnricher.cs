using Presently.Agent.Sensors;

namespace Presently.Agent.Context;

/// <summary>
/// Finds context inside one kind of app (a browser's tab, a terminal's program). Runs on the agent's
/// pipeline thread, never the sensor's, after the privacy filter allowed the app to be looked into and
/// before it filters what was found. An enricher must return within the budget it is given (one that
/// waits on something, like a subprocess, waits no longer); what it cannot find it leaves out — it
/// never throws for bad input.
/// </summary>
public interface IContextEnricher
{
    /// <summary>The name in settings and in `presently-agent status`: browser, editor, terminal, media.</summary>
    string Name { get; }

    /// <summary>
    /// True when what this enricher finds can change while the window stays the same (a command started
    /// in a terminal): the agent then asks again every <see cref="ContextSettings.RefreshInterval"/>.
    /// </summary>
    bool ChangesWithoutWindowEvents { get; }

    bool Applies(ForegroundSample sample);

    void Enrich(ForegroundSample sample, ContextFacts facts, TimeSpan budget);

    /// <summary>Why this enricher cannot work here right now (no session bus, say), or null.</summary>
    string? Unavailable => null;
}

/// <summary>What the enrichers found for one sample, key → value; later values of a key replace earlier ones.</summary>
public sealed class ContextFacts
{
    private readonly List<KeyValuePair<string, string?>> _entries = [];

    public void Set(string key, string? value)
    {
        if (string.IsNullOrWhiteSpace(value)) return;
        _entries.Add(new(key, value));
    }

    public int Count => _entries.Count;

    public Presently.Protocol.SpanContext? ToContext() => Presently.Protocol.SpanContext.From(_entries);
}

/// <summary>A source that can say someone is there without input: media playing. See <see cref="ContextSettings.MediaCountsAsPresent"/>.</summary>
public interface IPresenceSource
{
    /// <summary>When something was last seen playing: now while it plays, null if never.</summary>
    DateTimeOffset? LastPlayingAt(DateTimeOffset now);

    /// <summary>Raised (on any thread) when what the source knows changed, so the agent looks again at once.</summary>
    event Action? Changed;
}
