namespace Presently.Agent.Platforms.Windows;

/// <summary>
/// A UWP (Store) app's window belongs to <c>ApplicationFrameHost.exe</c>, which frames every such
/// app; the app itself owns a child window of the frame. This decides, from the frame's children,
/// which process is the app. Plain C#: the enumeration is done by the sensor.
/// </summary>
public static class UwpFrameHost
{
    public const string FileName = "ApplicationFrameHost.exe";

    public static bool IsFrameHost(string? imagePath) =>
        string.Equals(AppDisplayName.FileName(imagePath), FileName, StringComparison.OrdinalIgnoreCase);

    /// <summary>
    /// The first child owned by another process than the frame host is the hosted app; null while it
    /// has none (an app still starting, or suspended — then the frame is all there is).
    /// </summary>
    public static uint? HostedProcess(uint framePid, IEnumerable<uint> childPids)
    {
        foreach (var pid in childPids)
            if (pid != 0 && pid != framePid) return pid;
        return null;
    }
}
