namespace Presently.Agent.Sensors;

/// <summary>
/// What is in front right now. <see cref="Idle"/> is the time since the last keyboard or pointer
/// input, or null when the platform cannot tell.
/// </summary>
public sealed record ForegroundSample(string? App, string? Title, string? Process, TimeSpan? Idle);

/// <summary>One per platform: reports the foreground window whenever it may have changed, and at least every poll interval.</summary>
public interface IForegroundSensor : IDisposable
{
    string Name { get; }

    IReadOnlyList<string> Capabilities { get; }

    /// <summary>Blocks (on its own thread) delivering samples until <paramref name="ct"/> is cancelled.</summary>
    void Run(Action<ForegroundSample> onSample, TimeSpan pollInterval, CancellationToken ct);
}

/// <summary>The sensor cannot start; the message says what the machine lacks.</summary>
public sealed class SensorUnavailableException(string message) : Exception(message);
