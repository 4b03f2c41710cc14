using Presently.Agent.Sensors;

namespace Presently.Agent.Platforms.Linux.Hyprland;

/// <summary>The sensor for Hyprland: window focus from its event socket, idle over Wayland (ext-idle-notify-v1), else logind's IdleHint.</summary>
internal static class HyprlandForegroundSensor
{
    /// <param name="instanceDirectory">$XDG_RUNTIME_DIR/hypr/$HYPRLAND_INSTANCE_SIGNATURE; /tmp/hypr/… is tried when it does not exist.</param>
    /// <param name="systemBus">The system bus for logind's IdleHint when the compositor does not tell idle (null: the default).</param>
    public static IForegroundSensor Open(string instanceDirectory, string? waylandSocket, TimeProvider time, AgentLog? log, string? systemBus = null)
    {
        if (!Directory.Exists(instanceDirectory) && Directory.Exists(HyprlandPaths.LegacyInstanceDirectory(instanceDirectory)))
            instanceDirectory = HyprlandPaths.LegacyInstanceDirectory(instanceDirectory);
        var (idle, noIdle) = CompositorIdle.Open(waylandSocket, "XDG_RUNTIME_DIR is not set, so the compositor's Wayland socket is unknown", systemBus, time, log);
        return new WindowFeedSensor(new HyprlandWindowFeed(instanceDirectory), idle, noIdle, time, log);
    }
}
