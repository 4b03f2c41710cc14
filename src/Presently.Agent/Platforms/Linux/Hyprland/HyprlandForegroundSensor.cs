using Presently.Agent.Platforms.Linux.Wayland;
using Presently.Agent.Sensors;

namespace Presently.Agent.Platforms.Linux.Hyprland;

/// <summary>The sensor for Hyprland: window focus from its event socket, idle over Wayland (ext-idle-notify-v1).</summary>
internal static class HyprlandForegroundSensor
{
    /// <param name="instanceDirectory">$XDG_RUNTIME_DIR/hypr/$HYPRLAND_INSTANCE_SIGNATURE; /tmp/hypr/… is tried when it does not exist.</param>
    public static IForegroundSensor Open(string instanceDirectory, string? waylandSocket, TimeProvider time, AgentLog? log)
    {
        if (!Directory.Exists(instanceDirectory) && Directory.Exists(HyprlandPaths.LegacyInstanceDirectory(instanceDirectory)))
            instanceDirectory = HyprlandPaths.LegacyInstanceDirectory(instanceDirectory);
        var (idle, noIdle) = waylandSocket is null
            ? (null, "XDG_RUNTIME_DIR is not set, so the compositor's Wayland socket is unknown")
            : WaylandIdleWatcher.Open(waylandSocket, time, log);
        return new WindowFeedSensor(new HyprlandWindowFeed(instanceDirectory), idle, noIdle, time, log);
    }
}
