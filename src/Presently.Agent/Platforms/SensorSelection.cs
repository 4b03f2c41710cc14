namespace Presently.Agent.Platforms;

/// <summary>Which Linux sensor fits the session.</summary>
public enum SensorKind
{
    /// <summary>Nothing fits; the reason says why.</summary>
    None,
    X11,
    /// <summary>sway or another compositor speaking i3 IPC on $SWAYSOCK (or $I3SOCK), idle over Wayland.</summary>
    Sway,
    /// <summary>i3 on X11, over $I3SOCK.</summary>
    I3,
    Hyprland,
    /// <summary>KDE Plasma on Wayland: a KWin script loaded over D-Bus reports the active window.</summary>
    KWin,
    /// <summary>GNOME on Wayland: the GNOME Shell extension `install` adds reports the focused window over D-Bus.</summary>
    Gnome,
}

/// <summary>The sensor chosen, where it connects, and why (logged at start).</summary>
public sealed record SensorChoice(SensorKind Kind, string Reason, string? Socket = null, string? WaylandSocket = null);

/// <summary>
/// Picks the Linux sensor from the session's environment. Pure: the environment comes in as a
/// dictionary, so every desktop is a unit test. On Wayland, X11 (through XWayland) is the last
/// resort: it sees only XWayland windows, and a native Wayland window in front looks like nothing.
/// </summary>
public static class SensorSelection
{
    public static SensorChoice Choose(IReadOnlyDictionary<string, string?> env)
    {
        string? Get(string name) => env.TryGetValue(name, out var v) && !string.IsNullOrWhiteSpace(v) ? v : null;
        var sessionType = Get("XDG_SESSION_TYPE")?.ToLowerInvariant();
        var waylandDisplay = Get("WAYLAND_DISPLAY");
        var display = Get("DISPLAY");
        var desktops = (Get("XDG_CURRENT_DESKTOP") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        bool Desktop(string name) => desktops.Any(d => d.Equals(name, StringComparison.OrdinalIgnoreCase));
        var desktopName = desktops.Length > 0 ? string.Join(":", desktops) : "an unnamed desktop";

        var wayland = sessionType == "wayland" || (sessionType is null or "tty" or "unspecified" && waylandDisplay is not null);
        if (!wayland)
        {
            if (display is not null)
                return new(SensorKind.X11, $"X11 session on {display}: X11 sensor" + (Get("I3SOCK") is not null ? " (it sees the same windows as i3's IPC, and idle time too)" : ""));
            if (Get("I3SOCK") is { } i3)
                return new(SensorKind.I3, "i3 IPC on $I3SOCK (no DISPLAY for the X11 sensor): i3 sensor, without idle time", i3);
            return new(SensorKind.None, sessionType is null
                ? "no graphical session found: DISPLAY is not set (X11), and WAYLAND_DISPLAY is not set either (Wayland)"
                : $"no graphical session found: XDG_SESSION_TYPE is '{sessionType}', DISPLAY is not set (X11), and WAYLAND_DISPLAY is not set either (Wayland)");
        }

        var waylandSocket = WaylandSocket(waylandDisplay, Get("XDG_RUNTIME_DIR"));
        if (Get("HYPRLAND_INSTANCE_SIGNATURE") is { } signature)
        {
            return new(SensorKind.Hyprland, $"Wayland session of Hyprland (instance {signature}): Hyprland sensor",
                Linux.Hyprland.HyprlandPaths.InstanceDirectory(Get("XDG_RUNTIME_DIR"), signature), waylandSocket);
        }
        // sway exports I3SOCK as well; KDE and GNOME never do, but a stray one inherited from elsewhere must not win there.
        var ipcSocket = Get("SWAYSOCK") ?? (Desktop("KDE") || Desktop("GNOME") ? null : Get("I3SOCK"));
        if (ipcSocket is { } swaySocket)
            return new(SensorKind.Sway, $"Wayland session of {desktopName} with sway IPC at {swaySocket}: sway sensor", swaySocket, waylandSocket);
        if (Desktop("KDE"))
            return new(SensorKind.KWin, $"Wayland session of KDE: KWin sensor", null, waylandSocket);
        if (Desktop("GNOME"))
            return new(SensorKind.Gnome, $"Wayland session of GNOME: GNOME sensor", null, waylandSocket);

        var why = Desktop("sway") ? "sway, but SWAYSOCK is not set"
            : Desktop("Hyprland") ? "Hyprland, but HYPRLAND_INSTANCE_SIGNATURE is not set"
            : $"{desktopName}, which has no Wayland sensor";
        if (display is not null)
            return new(SensorKind.X11, $"Wayland session of {why}: falling back to X11 through XWayland on {display}, which sees only XWayland windows (a native Wayland window in front shows as the last XWayland one, or none)");
        return new(SensorKind.None, $"Wayland session of {why}, and no DISPLAY for XWayland either");
    }

    /// <summary>The compositor's socket: WAYLAND_DISPLAY is a name in XDG_RUNTIME_DIR or an absolute path; "wayland-0" when unset.</summary>
    public static string? WaylandSocket(string? waylandDisplay, string? runtimeDir)
    {
        var name = waylandDisplay ?? "wayland-0";
        if (Path.IsPathRooted(name)) return name;
        return runtimeDir is null ? null : Path.Combine(runtimeDir, name);
    }
}
