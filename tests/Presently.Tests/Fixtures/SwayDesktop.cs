using System.Globalization;

namespace Presently.Tests.Fixtures;

/// <summary>
/// A real sway session for tests: headless (no GPU, no input devices, pixman rendering), with foot
/// terminals as apps. sway refuses to run as root, so under root it runs as nobody (uid 65534)
/// with its own runtime directory; the tests, as root, may still connect to its sockets.
/// </summary>
public sealed class SwayDesktop : IAsyncDisposable
{
    private const int Nobody = 65534;
    private readonly TempDirectory _runtime;
    private readonly List<ChildProcess> _processes = [];
    private ChildProcess? _sway;

    private SwayDesktop(TempDirectory runtime) => _runtime = runtime;

    public string RuntimeDirectory => _runtime.Path;

    /// <summary>$SWAYSOCK: the IPC socket.</summary>
    public string IpcSocket { get; private set; } = "";

    /// <summary>$WAYLAND_DISPLAY: the socket's name in the runtime directory.</summary>
    public string WaylandDisplay { get; private set; } = "";

    /// <summary>What the agent needs to see this session.</summary>
    public Dictionary<string, string?> Env => new()
    {
        ["XDG_RUNTIME_DIR"] = RuntimeDirectory,
        ["WAYLAND_DISPLAY"] = WaylandDisplay,
        ["SWAYSOCK"] = IpcSocket,
        ["XDG_SESSION_TYPE"] = "wayland",
        ["XDG_CURRENT_DESKTOP"] = "sway",
        ["DISPLAY"] = null,
        ["I3SOCK"] = null,
        ["HYPRLAND_INSTANCE_SIGNATURE"] = null,
    };

    public bool HasExited => _sway?.HasExited ?? true;

    public static async Task<SwayDesktop> StartAsync()
    {
        var sway = Requirements.Program("sway", "sway");
        Requirements.Program("swaymsg", "sway");
        Requirements.Program("foot", "foot");
        var root = Environment.IsPrivilegedProcess;
        if (root) Requirements.Program("setpriv", "util-linux");

        var desktop = new SwayDesktop(new TempDirectory("presently-sway-"));
        var runtime = desktop.RuntimeDirectory;
        // No Xwayland (faster start, nothing the tests need), no bar (nothing to draw it with).
        await File.WriteAllTextAsync(Path.Combine(runtime, "config"), "xwayland disable\nfocus_on_window_activation focus\n");
        File.SetUnixFileMode(runtime, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        if (root) await ChildProcess.RunAsync("chown", ["-R", $"{Nobody}:{Nobody}", runtime]);

        desktop._sway = desktop.StartAsUser(sway, ["-c", Path.Combine(runtime, "config")]);
        try
        {
            var sockets = await Eventually.Until(
                () => Task.FromResult(Directory.GetFileSystemEntries(runtime).Select(Path.GetFileName).ToArray()),
                names => names.Any(n => n!.StartsWith("sway-ipc.", StringComparison.Ordinal)) && names.Any(n => n!.StartsWith("wayland-", StringComparison.Ordinal) && !n.EndsWith(".lock", StringComparison.Ordinal)) || desktop.HasExited,
                TimeSpan.FromSeconds(20), "sway's sockets");
            if (desktop.HasExited) throw new InvalidOperationException($"sway exited: {desktop._sway.Output}");
            desktop.IpcSocket = Path.Combine(runtime, sockets.First(n => n!.StartsWith("sway-ipc.", StringComparison.Ordinal))!);
            desktop.WaylandDisplay = sockets.First(n => n!.StartsWith("wayland-", StringComparison.Ordinal) && !n.EndsWith(".lock", StringComparison.Ordinal))!;
            await Eventually.Until(async () => await desktop.TryMsgAsync("-t", "get_version"), v => v.Contains("sway", StringComparison.Ordinal), TimeSpan.FromSeconds(10), "sway answering IPC");
            return desktop;
        }
        catch
        {
            await desktop.DisposeAsync();
            throw;
        }
    }

    /// <summary>Opens a foot terminal with the given app id and title; returns once sway has it in its tree (and focused: new windows take the focus).</summary>
    public async Task<ChildProcess> OpenTerminalAsync(string appId, string title)
    {
        var term = StartAsUser("foot", [$"--app-id={appId}", "-T", title, "sleep", "3600"]);
        _processes.Add(term);
        await Eventually.Until(async () => await TryMsgAsync("-t", "get_tree"), tree => tree.Contains($"\"app_id\": \"{appId}\"", StringComparison.Ordinal) || term.HasExited,
            TimeSpan.FromSeconds(15), $"foot {appId} window");
        if (term.HasExited) throw new InvalidOperationException($"foot exited: {term.Output}");
        return term;
    }

    /// <summary>Focuses the window with <paramref name="appId"/>; sway has done it when swaymsg returns.</summary>
    public Task FocusAsync(string appId) => MsgAsync($"[app_id=\"{appId}\"] focus");

    public Task<string> MsgAsync(params string[] args) => ChildProcess.RunAsync("swaymsg", ["-s", IpcSocket, .. args]);

    /// <summary>Ends sway the way a crash would (SIGKILL): its sockets stop answering.</summary>
    public async Task KillAsync()
    {
        if (_sway is null) return;
        _sway.Process.Kill();
        await _sway.Process.WaitForExitAsync();
    }

    public async ValueTask DisposeAsync()
    {
        for (var i = _processes.Count - 1; i >= 0; i--) _processes[i].Dispose();
        _sway?.Dispose();
        _runtime.Dispose();
        await Task.CompletedTask;
    }

    private ChildProcess StartAsUser(string program, string[] args)
    {
        var env = new Dictionary<string, string?>
        {
            ["XDG_RUNTIME_DIR"] = RuntimeDirectory,
            ["HOME"] = RuntimeDirectory,
            ["WLR_BACKENDS"] = "headless",
            ["WLR_LIBINPUT_NO_DEVICES"] = "1",
            ["WLR_RENDERER"] = "pixman",
            ["WAYLAND_DISPLAY"] = WaylandDisplay.Length > 0 ? WaylandDisplay : null,
            ["DISPLAY"] = null,
            ["SWAYSOCK"] = null,
            ["I3SOCK"] = null,
        };
        if (!Environment.IsPrivilegedProcess) return new ChildProcess(program, args, env);
        var id = Nobody.ToString(CultureInfo.InvariantCulture);
        return new ChildProcess("setpriv", [$"--reuid={id}", $"--regid={id}", "--clear-groups", "--", program, .. args], env);
    }

    private async Task<string> TryMsgAsync(params string[] args)
    {
        try
        {
            return await ChildProcess.RunAsync("swaymsg", ["-s", IpcSocket, .. args], timeout: TimeSpan.FromSeconds(5));
        }
        catch (InvalidOperationException)
        {
            return "";
        }
    }
}
