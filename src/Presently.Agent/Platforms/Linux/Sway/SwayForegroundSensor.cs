using Presently.Agent.Sensors;

namespace Presently.Agent.Platforms.Linux.Sway;

/// <summary>The sensor for sway and other i3-IPC compositors (and i3 itself): window focus over IPC, idle over Wayland, else logind's IdleHint.</summary>
internal static class SwayForegroundSensor
{
    /// <param name="name">"sway" or "i3": which compositor the socket belongs to.</param>
    /// <param name="socketPath">$SWAYSOCK or $I3SOCK.</param>
    /// <param name="waylandSocket">The compositor's Wayland socket for idle, or null (i3 on X11).</param>
    /// <param name="systemBus">The system bus for logind's IdleHint when the compositor does not tell idle (null: the default).</param>
    public static IForegroundSensor Open(string name, string socketPath, string? waylandSocket, TimeProvider time, AgentLog? log, string? systemBus = null)
    {
        var (idle, noIdle) = CompositorIdle.Open(
            waylandSocket,
            name == "i3" ? "i3's IPC does not tell idle time (the X11 sensor, chosen whenever DISPLAY is set, does)" : "XDG_RUNTIME_DIR is not set, so the compositor's Wayland socket is unknown",
            systemBus, time, log);
        return new WindowFeedSensor(new SwayWindowFeed(name, socketPath), idle, noIdle, time, log);
    }
}
