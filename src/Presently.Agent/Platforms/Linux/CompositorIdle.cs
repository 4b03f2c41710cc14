using Presently.Agent.Platforms.Linux.Wayland;

namespace Presently.Agent.Platforms.Linux;

/// <summary>Idle time for a compositor-fed sensor: the compositor's Wayland idle protocol, else logind's IdleHint.</summary>
internal static class CompositorIdle
{
    /// <param name="waylandSocket">The compositor's Wayland socket, or null when there is none to ask.</param>
    /// <param name="noWaylandSocket">Why there is no Wayland socket, when <paramref name="waylandSocket"/> is null.</param>
    /// <param name="systemBus">The system bus address (null: the default one).</param>
    /// <returns>The source, or null and everything that was tried.</returns>
    public static (IIdleSource? Idle, string? Why) Open(string? waylandSocket, string noWaylandSocket, string? systemBus, TimeProvider time, AgentLog? log)
    {
        var (idle, noWayland) = waylandSocket is null ? (null, noWaylandSocket) : WaylandIdleWatcher.Open(waylandSocket, time, log);
        if (idle is not null) return (idle, null);
        var (hint, noHint) = LogindIdleHint.Open(systemBus, time, log);
        if (hint is not null) log?.Info("idle: from logind's IdleHint, which the desktop sets after its own idle delay");
        return hint is not null ? (hint, null) : (null, $"{noWayland}; {noHint}");
    }
}
