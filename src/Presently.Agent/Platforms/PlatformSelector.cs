using System.Collections;
using Presently.Agent.Config;
using Presently.Agent.Sensors;

namespace Presently.Agent.Platforms;

/// <summary>Picks this operating system's sensor and system event source at start.</summary>
internal static class PlatformSelector
{
    public static IForegroundSensor OpenSensor(AgentSettings settings, AgentLog log) =>
        OperatingSystem.IsWindows() ? Windows.WindowsForegroundSensor.Open(log)
        : OperatingSystem.IsMacOS() ? MacOS.MacForegroundSensor.Open(TimeProvider.System, log)
        : OpenLinuxSensor(settings.SystemBusAddress, log);

    public static ISystemEventSource SystemEvents(AgentSettings settings, AgentLog log) =>
        OperatingSystem.IsWindows() ? new Windows.WindowsSystemEvents(log)
        : OperatingSystem.IsMacOS() ? new MacOS.MacSystemEvents(TimeProvider.System)
        : new Linux.LogindEvents(settings.SystemBusAddress, log);

    private static IForegroundSensor OpenLinuxSensor(string? systemBus, AgentLog log)
    {
        var env = new Dictionary<string, string?>(StringComparer.Ordinal);
        foreach (DictionaryEntry e in Environment.GetEnvironmentVariables()) env[(string)e.Key] = e.Value as string;
        var choice = SensorSelection.Choose(env);
        log.Info($"sensor: {choice.Reason}");
        return choice.Kind switch
        {
            SensorKind.X11 => Linux.X11.X11ForegroundSensor.Open(),
            SensorKind.Sway => Linux.Sway.SwayForegroundSensor.Open("sway", choice.Socket!, choice.WaylandSocket, TimeProvider.System, log, systemBus),
            SensorKind.I3 => Linux.Sway.SwayForegroundSensor.Open("i3", choice.Socket!, null, TimeProvider.System, log, systemBus),
            SensorKind.Hyprland => Linux.Hyprland.HyprlandForegroundSensor.Open(choice.Socket!, choice.WaylandSocket, TimeProvider.System, log, systemBus),
            SensorKind.KWin => Linux.KWin.KWinSensor.Open(log, waylandSocket: choice.WaylandSocket),
            SensorKind.Gnome => Linux.Gnome.GnomeShellSensor.Open(log, waylandSocket: choice.WaylandSocket),
            _ => throw new SensorUnavailableException(choice.Reason),
        };
    }
}
