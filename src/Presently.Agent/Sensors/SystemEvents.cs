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
}
