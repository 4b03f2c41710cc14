using Presently.Agent.Sensors;

namespace Presently.Agent.Platforms.Linux;

/// <summary>
/// The focused window as a compositor's IPC describes it: <paramref name="AppId"/> is the Wayland
/// app id or, for X11 clients, the WM_CLASS class. <paramref name="Id"/> is the compositor's own
/// handle (sway's con id, Hyprland's address), used to tell whether a closing window is the focused one.
/// </summary>
internal sealed record WindowInfo(string? Id, string? AppId, string? Title, int? Pid)
{
    /// <summary>Nothing focused (an empty workspace).</summary>
    public static WindowInfo None { get; } = new(null, null, null, null);

    /// <summary>A sample for this window: an app without an id goes by its process name.</summary>
    public ForegroundSample ToSample(TimeSpan? idle)
    {
        var process = ProcFs.ProcessName(Pid);
        return new ForegroundSample(string.IsNullOrEmpty(AppId) ? process : AppId, Title, process, idle, Pid);
    }
}
