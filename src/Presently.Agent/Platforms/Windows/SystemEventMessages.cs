using Presently.Agent.Sensors;

namespace Presently.Agent.Platforms.Windows;

/// <summary>
/// Turns session and power notifications into system events, once each: a resume the user
/// triggers sends both PBT_APMRESUMEAUTOMATIC and PBT_APMRESUMESUSPEND, and the agent needs one Woke.
/// </summary>
public sealed class SystemEventMessages
{
    public const uint WmPowerBroadcast = 0x0218;
    public const uint WmWtsSessionChange = 0x02B1;
    public const uint PbtApmSuspend = 0x0004;
    public const uint PbtApmResumeSuspend = 0x0007;
    public const uint PbtApmResumeAutomatic = 0x0012;
    public const uint WtsSessionLock = 0x7;
    public const uint WtsSessionUnlock = 0x8;

    private SystemEvent? _lastPower;
    private SystemEvent? _lastSession;

    /// <summary>The event a message means, or null when it means none or repeats the last one of its kind.</summary>
    public SystemEvent? Map(uint message, nuint wParam)
    {
        var e = Decode(message, wParam);
        if (e is null) return null;
        var power = e is SystemEvent.Sleeping or SystemEvent.Woke;
        if ((power ? _lastPower : _lastSession) == e) return null;
        if (power) _lastPower = e; else _lastSession = e;
        return e;
    }

    public static SystemEvent? Decode(uint message, nuint wParam) => (message, (uint)wParam) switch
    {
        (WmPowerBroadcast, PbtApmSuspend) => SystemEvent.Sleeping,
        (WmPowerBroadcast, PbtApmResumeAutomatic or PbtApmResumeSuspend) => SystemEvent.Woke,
        (WmWtsSessionChange, WtsSessionLock) => SystemEvent.Locked,
        (WmWtsSessionChange, WtsSessionUnlock) => SystemEvent.Unlocked,
        _ => null,
    };
}
