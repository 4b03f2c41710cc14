namespace Presently.Agent.Sensors;

/// <summary>
/// What is in front right now. <see cref="Idle"/> is the time since the last keyboard or pointer
/// input, or null when the platform cannot tell. <see cref="Pid"/> is the front window's process
/// where the platform says (the terminal enricher walks down from it). <see cref="Context"/> is what
/// the enrichers found inside the app (sensors leave it null).
/// </summary>
public sealed record ForegroundSample(string? App, string? Title, string? Process, TimeSpan? Idle, int? Pid = null, Presently.Protocol.SpanContext? Context = null);

/// <summary>One per platform: reports the foreground window whenever it may have changed, and at least every poll interval.</summary>
public interface IForegroundSensor : IDisposable
{
    string Name { get; }

    /// <summary>Short tags sent in Hello (each at most 64 characters).</summary>
    IReadOnlyList<string> Capabilities { get; }

    /// <summary>What this sensor can see, and for what it cannot, why: shown by `presently-agent status`.</summary>
    IReadOnlyList<Capability> Explain() =>
    [
        Capability.Yes("titles"),
        Capabilities.Contains("idle") ? Capability.Yes("idle") : Capability.No("idle", "this desktop does not tell the time since the last input"),
    ];

    /// <summary>Blocks (on its own thread) delivering samples until <paramref name="ct"/> is cancelled.</summary>
    void Run(Action<ForegroundSample> onSample, SensorTiming timing, CancellationToken ct);
}

/// <summary>
/// How often a sensor looks. <see cref="PollInterval"/>: the most a polling sensor waits between
/// looks. A sensor that is told about every change (window and idle events) may instead wait up to
/// <see cref="Heartbeat"/>, the longest the pipeline may go without a sample; <see cref="IdleThreshold"/>
/// is the idle time at which it wants to be told.
/// </summary>
public sealed record SensorTiming(TimeSpan PollInterval, TimeSpan IdleThreshold, TimeSpan Heartbeat);

/// <summary>One thing the agent can or cannot observe here, and why not.</summary>
public sealed record Capability(string Name, string? Missing)
{
    public static Capability Yes(string name) => new(name, null);

    public static Capability No(string name, string why) => new(name, why);

    public override string ToString() => Missing is null ? $"{Name}: yes" : $"{Name}: no — {Missing}";
}

/// <summary>The sensor cannot start; the message says what the machine lacks.</summary>
public sealed class SensorUnavailableException(string message) : Exception(message);
