using Presently.Agent.Config;
using Presently.Agent.Sensors;

namespace Presently.Agent.Platforms;

/// <summary>Picks this operating system's sensor and system event source at start.</summary>
internal static class PlatformSelector
{
    public static IForegroundSensor OpenSensor(AgentLog log) =>
        OperatingSystem.IsWindows() ? Windows.WindowsForegroundSensor.Open(log)
        : OperatingSystem.IsMacOS() ? MacOS.MacForegroundSensor.Open(TimeProvider.System, log)
        : Linux.X11.X11ForegroundSensor.Open();

    public static ISystemEventSource SystemEvents(AgentSettings settings, AgentLog log) =>
        OperatingSystem.IsWindows() ? new Windows.WindowsSystemEvents(log)
        : OperatingSystem.IsMacOS() ? new MacOS.MacSystemEvents(TimeProvider.System)
        : new Linux.LogindEvents(settings.SystemBusAddress, log);
}
