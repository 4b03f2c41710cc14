using System.Runtime.InteropServices;
using Presently.Agent.Sensors;

namespace Presently.Agent.Platforms.Linux;

/// <summary>
/// The time since the last input, told by the desktop through something the sensor thread can poll
/// (a Wayland compositor's socket, an eventfd a D-Bus signal sets).
/// </summary>
internal interface IIdleSource : IDisposable
{
    /// <summary>The file descriptor to poll for news, or null when nothing is watched (never was, or the connection broke).</summary>
    SafeHandle? WaitHandle { get; }

    /// <summary>Time since the last input, or null when it is not known.</summary>
    TimeSpan? Idle { get; }

    /// <summary>Asks to be told when input stops for <paramref name="threshold"/> (and when it comes back).</summary>
    void Start(TimeSpan threshold);

    /// <summary>Reads what <see cref="WaitHandle"/> has; true when <see cref="Idle"/> crossed the threshold either way or became unknown. Never throws.</summary>
    bool Read();

    /// <summary>After the desktop came back: connects again if the connection had broken. True when watching again.</summary>
    bool Reconnect();

    Capability Explain();
}
