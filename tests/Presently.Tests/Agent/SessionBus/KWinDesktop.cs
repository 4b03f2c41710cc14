using System.Globalization;
using Presently.Tests.Fixtures;
using Tmds.DBus.Protocol;

namespace Presently.Tests.Agent.SessionBus;

/// <summary>
/// A real KWin (Plasma 5.27's kwin_wayland, or 6) running headless: the virtual backend, its own
/// XDG_RUNTIME_DIR, config and home in a temporary folder, on a private session bus, with Xwayland.
/// Windows are xterms on Xwayland: foot, the Wayland terminal the sway tests use, dies of a division
/// by zero on KWin's virtual output (it reports a physical size of -1 x -1 mm), and KWin tells X11 and
/// Wayland windows to scripts alike. Windows are switched with a KWin script of the test's own.
/// </summary>
/// <remarks>
/// Debian's kwin_wayland carries the cap_sys_resource file capability, and a process with file
/// capabilities cannot be run where the capability is not permitted (a container: "Operation not
/// permitted"). A copy has none (copying drops extended attributes), so the fixture runs its own copy,
/// named kwin_wayland as KWin expects.
/// </remarks>
public sealed class KWinDesktop : IAsyncDisposable
{
    private const string ActivatePlugin = "presently-test-activate";

    private readonly TempDirectory _dir = new("presently-kwin-");
    private readonly List<ChildProcess> _windows = [];
    private ChildProcess? _kwin;
    private DBusConnection? _control;

    private KWinDesktop(PrivateBus bus) => Bus = bus;

    public PrivateBus Bus { get; }

    public string Folder => _dir.Path;

    /// <summary>What a program started in this Plasma Wayland session sees.</summary>
    public Dictionary<string, string?> Env => new()
    {
        ["XDG_RUNTIME_DIR"] = _dir.File("run"),
        ["WAYLAND_DISPLAY"] = "wayland-presently",
        ["XDG_SESSION_TYPE"] = "wayland",
        ["XDG_CURRENT_DESKTOP"] = "KDE",
        ["DBUS_SESSION_BUS_ADDRESS"] = Bus.Address,
        ["DISPLAY"] = null,
        ["SWAYSOCK"] = null,
        ["I3SOCK"] = null,
        ["HYPRLAND_INSTANCE_SIGNATURE"] = null,
    };

    /// <summary>KWin's Wayland socket.</summary>
    public string WaylandSocket => Path.Combine(_dir.File("run"), "wayland-presently");

    /// <summary>The Xwayland display KWin started.</summary>
    public string Display { get; private set; } = "";

    /// <summary>KWin's own output, for failure messages.</summary>
    public string Output => _kwin?.Output ?? "";

    public static async Task<KWinDesktop> StartAsync()
    {
        var kwin = Requirements.Program("kwin_wayland", "kwin-wayland");
        Requirements.Program("Xwayland", "xwayland");
        Requirements.Program("xterm", "xterm");
        Requirements.Program("mkfifo", "coreutils");
        var desktop = new KWinDesktop(new PrivateBus());
        try
        {
            await desktop.StartKWinAsync(kwin);
            return desktop;
        }
        catch
        {
            await desktop.DisposeAsync();
            throw;
        }
    }

    private async Task StartKWinAsync(string installed)
    {
        var bin = Directory.CreateDirectory(_dir.File("bin")).FullName;
        var copy = Path.Combine(bin, "kwin_wayland");
        File.Copy(installed, copy);
        File.SetUnixFileMode(copy, (UnixFileMode)0b111_101_101);
        var runtime = Directory.CreateDirectory(_dir.File("run")).FullName;
        File.SetUnixFileMode(runtime, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        var config = Directory.CreateDirectory(_dir.File("config")).FullName;
        // The screen locker (it serves org.freedesktop.ScreenSaver) must not lock the session mid-test.
        File.WriteAllText(Path.Combine(config, "kscreenlockerrc"), "[Daemon]\nAutolock=false\nLockOnResume=false\n");
        Directory.CreateDirectory(_dir.File("home"));

        // KWin starts the programs named after its options once Wayland and Xwayland are up, with
        // DISPLAY set: this one tells the test which display that is.
        var started = _dir.File("started.sh");
        File.WriteAllText(started, $"#!/bin/sh\nprintf '%s\\n%s\\n' \"$DISPLAY\" \"$XAUTHORITY\" > '{_dir.File("display.tmp")}' && mv '{_dir.File("display.tmp")}' '{_dir.File("display")}'\n");
        File.SetUnixFileMode(started, (UnixFileMode)0b111_101_101);

        _kwin = new ChildProcess(copy, ["--virtual", "--xwayland", "--socket", "wayland-presently", "--width", "1024", "--height", "768", started], new Dictionary<string, string?>
        {
            ["DBUS_SESSION_BUS_ADDRESS"] = Bus.Address,
            ["XDG_RUNTIME_DIR"] = runtime,
            ["XDG_CONFIG_HOME"] = config,
            ["XDG_CACHE_HOME"] = _dir.File("cache"),
            ["XDG_DATA_HOME"] = _dir.File("data"),
            ["HOME"] = _dir.File("home"),
            ["KWIN_COMPOSE"] = "Q", // QPainter: no GPU here
            ["WAYLAND_DISPLAY"] = null,
            ["DISPLAY"] = null,
            ["XAUTHORITY"] = null,
            ["QT_QPA_PLATFORM"] = null,
        });
        _control = await Bus.ConnectAsync();
        await Eventually.Until(async () =>
        {
            if (_kwin.HasExited) throw new InvalidOperationException($"kwin_wayland exited with {_kwin.Process.ExitCode}: {_kwin.Output}");
            return File.Exists(_dir.File("display")) && await OwnerAsync("org.kde.KWin") is not null;
        }, ready => ready, TimeSpan.FromSeconds(60), $"KWin on the private bus with Xwayland (KWin said: {_kwin.Output})");
        var lines = File.ReadAllLines(_dir.File("display"));
        Display = lines[0];
        Xauthority = lines.Length > 1 && lines[1].Length > 0 ? lines[1] : null;
    }

    private string? Xauthority { get; set; }

    private Dictionary<string, string?> XEnv => new() { ["DISPLAY"] = Display, ["XAUTHORITY"] = Xauthority, ["WAYLAND_DISPLAY"] = null };

    /// <summary>An xterm of WM_CLASS <paramref name="wmClass"/> titled <paramref name="title"/>; KWin activates a new window.</summary>
    public async Task<Window> OpenTerminalAsync(string wmClass, string title)
    {
        // The shell in the terminal sets a new title when the test writes one into its FIFO.
        var fifo = _dir.File($"retitle-{_windows.Count}");
        await ChildProcess.RunAsync("mkfifo", [fifo]);
        var term = new ChildProcess("xterm", ["-class", wmClass, "-T", title, "-e", "sh", "-c", "read t < \"$0\"; printf '\\033]2;%s\\007' \"$t\"; exec sleep 3600", fifo], XEnv);
        _windows.Add(term);
        return new Window(term.Process.Id, fifo);
    }

    public sealed record Window(int Pid, string RetitleFifo)
    {
        /// <summary>Makes the terminal set its title (an escape sequence), as an app does when its document changes.</summary>
        public Task RetitleAsync(string title) => Task.Run(() => File.WriteAllText(RetitleFifo, title + "\n"));
    }

    /// <summary>Activates the window of resource class <paramref name="resourceClass"/> (KWin's, lower case) with a KWin script.</summary>
    public async Task ActivateAsync(string resourceClass)
    {
        var script = _dir.File("activate.js");
        File.WriteAllText(script, $$"""
            (function () {
                var list = workspace.windowList ? workspace.windowList() : workspace.clientList();
                for (var i = 0; i < list.length; i++) {
                    if (String(list[i].resourceClass) !== "{{resourceClass}}") continue;
                    if (workspace.activeWindow !== undefined) workspace.activeWindow = list[i];
                    else workspace.activeClient = list[i];
                }
            })();
            """);
        await CallAsync("/Scripting", "org.kde.kwin.Scripting", "unloadScript", ActivatePlugin);
        var id = await PrivateBus.LeaveReceiveThread(_control!.CallMethodAsync(
            Presently.Agent.Platforms.Linux.SessionBus.BusCalls.Message(_control, "org.kde.KWin", "/Scripting", "org.kde.kwin.Scripting", "loadScript", script, ActivatePlugin),
            static (Message m, object? _) => m.GetBodyReader().ReadInt32()));
        if (id < 0) throw new InvalidOperationException($"KWin refused the activation script ({id})");
        try
        {
            await CallAsync($"/Scripting/Script{id.ToString(CultureInfo.InvariantCulture)}", "org.kde.kwin.Script", "run");
        }
        catch (DBusErrorReplyException)
        {
            await CallAsync($"/{id.ToString(CultureInfo.InvariantCulture)}", "org.kde.kwin.Script", "run"); // Plasma 5
        }
    }

    /// <summary>Tells KWin the user did something, as input would (org.freedesktop.ScreenSaver SimulateUserActivity).</summary>
    public Task SimulateUserActivityAsync() =>
        PrivateBus.LeaveReceiveThread(_control!.CallMethodAsync(
            Presently.Agent.Platforms.Linux.SessionBus.BusCalls.Message(_control, "org.freedesktop.ScreenSaver", "/ScreenSaver", "org.freedesktop.ScreenSaver", "SimulateUserActivity")));

    /// <summary>Whether KWin has a script of that plugin name loaded.</summary>
    public Task<bool> IsScriptLoadedAsync(string plugin) =>
        PrivateBus.LeaveReceiveThread(_control!.CallMethodAsync(
            Presently.Agent.Platforms.Linux.SessionBus.BusCalls.Message(_control, "org.kde.KWin", "/Scripting", "org.kde.kwin.Scripting", "isScriptLoaded", plugin),
            static (Message m, object? _) => m.GetBodyReader().ReadBool()));

    private Task CallAsync(string path, string @interface, string member, params string[] args) =>
        PrivateBus.LeaveReceiveThread(_control!.CallMethodAsync(Presently.Agent.Platforms.Linux.SessionBus.BusCalls.Message(_control, "org.kde.KWin", path, @interface, member, args)));

    private async Task<string?> OwnerAsync(string name)
    {
        try
        {
            return await PrivateBus.LeaveReceiveThread(_control!.CallMethodAsync(
                Presently.Agent.Platforms.Linux.SessionBus.BusCalls.Message(_control, "org.freedesktop.DBus", "/org/freedesktop/DBus", "org.freedesktop.DBus", "GetNameOwner", name),
                static (Message m, object? _) => m.GetBodyReader().ReadString()));
        }
        catch (DBusErrorReplyException)
        {
            return null;
        }
    }

    public ValueTask DisposeAsync()
    {
        _control?.Dispose();
        foreach (var w in _windows) w.Dispose();
        _kwin?.Dispose(); // Xwayland and the programs KWin started go with it (its process tree)
        Bus.Dispose();
        _dir.Dispose();
        return ValueTask.CompletedTask;
    }
}
