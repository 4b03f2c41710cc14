namespace Presently.Agent.Sensors;

public enum SystemEvent
{
    Sleeping,
    Woke,
    Locked,
    Unlocked,
}

/// <summary>Tells the agent about sleep and screen lock (logind over D-Bus on Linux).</summary>
public interface ISystemEventSource : IAsyncDisposable
{
    string Name { get; }

    /// <summary>Starts listening; returns false (and says why in the log) when the source is not available here.</summary>
    Task<bool> StartAsync(Action<SystemEvent> onEvent, CancellationToken ct);

    /// <summary>Whether screen lock and sleep are seen, given whether <see cref="StartAsync"/> succeeded.</summary>
    IReadOnlyList<Capability> Explain(bool started) => started
        ? [Capability.Yes("lock"), Capability.Yes("sleep")]
        : [Capability.No("lock", $"{Name} is not available"), Capability.No("sleep", $"{Name} is not available; a sleep shows as a gap between samples and ends the span")];
}
