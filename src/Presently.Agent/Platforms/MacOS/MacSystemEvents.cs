using System.Runtime.Versioning;
using Presently.Agent.Interop.MacOS;
using Presently.Agent.Sensors;

namespace Presently.Agent.Platforms.MacOS;

/// <summary>
/// Screen lock on macOS, polled from the login session's properties (CGSSessionScreenIsLocked).
/// Sleep needs no source of its own: a sleeping Mac runs nothing, and the agent ends the span at
/// the gap it finds on waking (its sleep-gap rule), as it does wherever no sleep signal is available.
/// </summary>
[SupportedOSPlatform("macos")]
public sealed class MacSystemEvents(TimeProvider time) : ISystemEventSource
{
    private static readonly TimeSpan PollInterval = TimeSpan.FromSeconds(2);

    private readonly LockTransitions _transitions = new();
    private readonly CancellationTokenSource _stop = new();
    private Task? _polling;

    public string Name => "quartz-session";

    public IReadOnlyList<Capability> Explain(bool started) =>
        [Capability.Yes("lock"), Capability.No("sleep", "not signalled here; a sleep shows as a gap between samples and ends the span")];

    public Task<bool> StartAsync(Action<SystemEvent> onEvent, CancellationToken ct)
    {
        var key = CoreFoundation.CreateString("CGSSessionScreenIsLocked");
        _polling = Task.Run(async () =>
        {
            using var ownedKey = key;
            using var timer = new PeriodicTimer(PollInterval, time);
            try
            {
                do
                {
                    if (_transitions.Observe(IsLocked(key)) is { } e) onEvent(e);
                }
                while (await timer.WaitForNextTickAsync(_stop.Token));
            }
            catch (OperationCanceledException)
            {
            }
        }, CancellationToken.None);
        return Task.FromResult(true);
    }

    /// <summary>True while locked, false while not; null when the session cannot be read.</summary>
    private static bool? IsLocked(SafeCFHandle key)
    {
        using var session = ApplicationServices.CGSessionCopyCurrentDictionary();
        if (session.IsInvalid) return null;
        var value = CoreFoundation.CFDictionaryGetValue(session, key.DangerousGetHandle());
        // The key is absent while unlocked.
        return value != 0 && CoreFoundation.CFGetTypeID(value) == CoreFoundation.CFBooleanGetTypeID() && CoreFoundation.CFBooleanGetValue(value);
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        if (_polling is not null) await _polling;
        _stop.Dispose();
    }
}
