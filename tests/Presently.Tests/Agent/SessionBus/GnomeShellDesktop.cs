using System.Globalization;
using Presently.Agent.Install;
using Presently.Tests.Fixtures;
using Tmds.DBus.Protocol;

namespace Presently.Tests.Agent.SessionBus;

/// <summary>
/// A real GNOME Shell running headless (a virtual monitor, Wayland only), with its own home,
/// XDG folders and runtime dir in a temporary folder, on a private session bus, and a second private
/// bus standing in for the system bus (the Shell will not start without one). Settings are a key
/// file (GSETTINGS_BACKEND=keyfile) in that home, so `gsettings` and `gnome-extensions` run with
/// <see cref="Env"/> change this Shell's settings only. Windows are foot terminals. A small test-only
/// extension (org.presently.Test) activates windows, as a user's click would.
/// </summary>
public sealed class GnomeShellDesktop : IAsyncDisposable
{
    public const string HelperUuid = "presently-test@presently.dev";
    public const string WaylandSocket = "wayland-presently";

    private readonly TempDirectory _dir = new("presently-gnome-");
    private readonly List<ChildProcess> _windows = [];
    private readonly PrivateBus _system;
    private readonly string _shellProgram;
    private ChildProcess? _shell;
    private DBusConnection? _control;

    private GnomeShellDesktop(string shell, int major)
    {
        _shellProgram = shell;
        ShellMajor = major;
        Bus = new PrivateBus();
        _system = new PrivateBus();
        foreach (var d in new[] { "home", "config", "data", "cache", "run" }) Directory.CreateDirectory(_dir.File(d));
        File.SetUnixFileMode(_dir.File("run"), UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        Env = new Dictionary<string, string?>
        {
            ["DBUS_SESSION_BUS_ADDRESS"] = Bus.Address,
            ["DBUS_SYSTEM_BUS_ADDRESS"] = _system.Address,
            ["XDG_RUNTIME_DIR"] = _dir.File("run"),
            ["HOME"] = _dir.File("home"),
            ["XDG_CONFIG_HOME"] = _dir.File("config"),
            ["XDG_DATA_HOME"] = DataHome,
            ["XDG_CACHE_HOME"] = _dir.File("cache"),
            ["GSETTINGS_BACKEND"] = "keyfile",
            ["WAYLAND_DISPLAY"] = null,
            ["DISPLAY"] = null,
            ["XAUTHORITY"] = null,
            ["XDG_SESSION_TYPE"] = "wayland",
        };
    }

    public PrivateBus Bus { get; }

    public int ShellMajor { get; }

    /// <summary>The environment of a program in this session (gsettings, gnome-extensions, apps).</summary>
    public Dictionary<string, string?> Env { get; }

    public string DataHome => _dir.File("data");

    public string Output => _shell?.Output ?? "";

    /// <summary>Runs commands as if in this session: what `presently-agent install` runs, pointed at this Shell.</summary>
    public ICommandRunner Runner => new SessionRunner(Env);

    /// <summary>Sets up the session (nothing runs yet): install extensions, then <see cref="StartShellAsync"/>, as at a login.</summary>
    public static async Task<GnomeShellDesktop> CreateAsync()
    {
        var shell = Requirements.Program("gnome-shell", "gnome-shell");
        Requirements.Program("gsettings", "libglib2.0-bin");
        Requirements.Program("gnome-extensions", "gnome-shell");
        Requirements.Program("foot", "foot");
        Requirements.Program("mkfifo", "coreutils");
        var version = await ChildProcess.RunAsync(shell, ["--version"]);
        var major = Presently.Agent.Platforms.Linux.Gnome.GnomeShellExtension.ShellMajor(version) ?? 45;
        var desktop = new GnomeShellDesktop(shell, major);
        try
        {
            desktop.WriteHelperExtension();
            await desktop.GsettingsAsync("set", "org.gnome.shell", "enabled-extensions", $"['{HelperUuid}']");
            // No welcome tour, no animations to wait for.
            await desktop.GsettingsAsync("set", "org.gnome.desktop.interface", "enable-animations", "false");
            return desktop;
        }
        catch
        {
            await desktop.DisposeAsync();
            throw;
        }
    }

    public Task<string> GsettingsAsync(params string[] args) => ChildProcess.RunAsync("gsettings", args, Env);

    /// <summary>Starts GNOME Shell (a login) and returns once the test helper answers and the overview is closed.</summary>
    public async Task StartShellAsync()
    {
        _shell = new ChildProcess(_shellProgram, ["--headless", "--wayland", "--no-x11", "--virtual-monitor", "1024x768", "--wayland-display", WaylandSocket], Env);
        _control ??= await Bus.ConnectAsync();
        await Eventually.Until(async () =>
        {
            if (_shell.HasExited) throw new InvalidOperationException($"gnome-shell exited with {_shell.Process.ExitCode}: {_shell.Output}");
            return await OwnerAsync("org.presently.Test") is not null;
        }, up => up, TimeSpan.FromSeconds(60), "GNOME Shell with the test helper extension");
        // The Shell opens the overview once its start-up is complete (no window has the focus there): close it then.
        await Eventually.Until(async () =>
        {
            var state = await CallAsync("org.presently.Test", "/org/presently/Test", "org.presently.Test", "State", static (Message m, object? _) => m.GetBodyReader().ReadString());
            if (state == "overview") await CallAsync("org.presently.Test", "/org/presently/Test", "org.presently.Test", "HideOverview");
            return state;
        }, state => state == "ready", TimeSpan.FromSeconds(30), "GNOME Shell started up, the overview closed");
    }

    /// <summary>A foot terminal of app id <paramref name="appId"/> titled <paramref name="title"/>; the Shell focuses a new window.</summary>
    public async Task<Window> OpenTerminalAsync(string appId, string title)
    {
        var fifo = _dir.File($"retitle-{_windows.Count}");
        await ChildProcess.RunAsync("mkfifo", [fifo]);
        var env = new Dictionary<string, string?>(Env) { ["WAYLAND_DISPLAY"] = WaylandSocket };
        var term = new ChildProcess("foot", ["--app-id", appId, "--title", title, "sh", "-c", "read t < \"$0\"; printf '\\033]2;%s\\007' \"$t\"; exec sleep 3600", fifo], env);
        _windows.Add(term);
        return new Window(term, fifo);
    }

    public sealed record Window(ChildProcess Process, string RetitleFifo)
    {
        public int Pid => Process.Process.Id;

        /// <summary>Makes the terminal set its title (an escape sequence), as an app does when its document changes.</summary>
        public Task RetitleAsync(string title) => Task.Run(() => File.WriteAllText(RetitleFifo, title + "\n"));

        public void Close() => Process.Dispose();
    }

    /// <summary>Activates (raises and focuses) the window of that WM class / app id, as a click on it would.</summary>
    public async Task ActivateAsync(string wmClass)
    {
        var found = await CallAsync("org.presently.Test", "/org/presently/Test", "org.presently.Test", "Activate", static (Message m, object? _) => m.GetBodyReader().ReadBool(), wmClass);
        if (!found) throw new InvalidOperationException($"GNOME Shell has no window of class {wmClass}");
    }

    public Task<string?> OwnerAsync(string name) => OwnerOfAsync(_control!, name);

    private static async Task<string?> OwnerOfAsync(DBusConnection c, string name)
    {
        try
        {
            return await CallOnAsync(c, "org.freedesktop.DBus", "/org/freedesktop/DBus", "org.freedesktop.DBus", "GetNameOwner", static (Message m, object? _) => m.GetBodyReader().ReadString(), name);
        }
        catch (DBusErrorReplyException)
        {
            return null;
        }
    }

    private Task CallAsync(string destination, string path, string @interface, string member) =>
        PrivateBus.LeaveReceiveThread(_control!.CallMethodAsync(Presently.Agent.Platforms.Linux.SessionBus.BusCalls.Message(_control, destination, path, @interface, member)));

    private Task<T> CallAsync<T>(string destination, string path, string @interface, string member, MessageValueReader<T> reader, params string[] args) =>
        CallOnAsync(_control!, destination, path, @interface, member, reader, args);

    private static Task<T> CallOnAsync<T>(DBusConnection c, string destination, string path, string @interface, string member, MessageValueReader<T> reader, params string[] args) =>
        PrivateBus.LeaveReceiveThread(c.CallMethodAsync(Presently.Agent.Platforms.Linux.SessionBus.BusCalls.Message(c, destination, path, @interface, member, args), reader));

    private void WriteHelperExtension()
    {
        var dir = Directory.CreateDirectory(Path.Combine(DataHome, "gnome-shell", "extensions", HelperUuid)).FullName;
        var legacy = ShellMajor < 45;
        File.WriteAllText(Path.Combine(dir, "metadata.json"),
            $"{{\"uuid\": \"{HelperUuid}\", \"name\": \"Presently test helper\", \"description\": \"Activates windows for Presently's tests\", \"shell-version\": [\"{ShellMajor.ToString(CultureInfo.InvariantCulture)}\"]}}\n");
        const string body = """
            const IFACE = `<node><interface name="org.presently.Test">
              <method name="Activate"><arg type="s" direction="in"/><arg type="b" direction="out"/></method>
              <method name="HideOverview"/>
              <method name="State"><arg type="s" direction="out"/></method>
            </interface></node>`;
            class Helper {
                Activate(wmClass) {
                    for (const actor of global.get_window_actors()) {
                        const w = actor.get_meta_window();
                        if (w.get_wm_class() === wmClass) {
                            Main.activateWindow(w);
                            return true;
                        }
                    }
                    return false;
                }
                HideOverview() { Main.overview.hide(); }
                State() {
                    if (Main.layoutManager._startingUp) return 'starting';
                    if (Main.overview.visible || Main.overview.animationInProgress) return 'overview';
                    return 'ready';
                }
            }
            class HelperExtension {
                enable() {
                    this._object = Gio.DBusExportedObject.wrapJSObject(IFACE, new Helper());
                    this._object.export(Gio.DBus.session, '/org/presently/Test');
                    this._name = Gio.bus_own_name_on_connection(Gio.DBus.session, 'org.presently.Test', Gio.BusNameOwnerFlags.NONE, null, null);
                }
                disable() {
                    Gio.bus_unown_name(this._name);
                    this._object.unexport();
                }
            }
            """;
        File.WriteAllText(Path.Combine(dir, "extension.js"), legacy
            ? "'use strict';\nconst { Gio } = imports.gi;\nconst Main = imports.ui.main;\n" + body + "function init() { return new HelperExtension(); }\n"
            : "import Gio from 'gi://Gio';\nimport * as Main from 'resource:///org/gnome/shell/ui/main.js';\nimport {Extension} from 'resource:///org/gnome/shell/extensions/extension.js';\n" + body
                + "export default class extends Extension { enable() { this._h = new HelperExtension(); this._h.enable(); } disable() { this._h.disable(); this._h = null; } }\n");
    }

    public async ValueTask DisposeAsync()
    {
        _control?.Dispose();
        foreach (var w in _windows) w.Dispose();
        if (_shell is not null)
        {
            await _shell.StopAsync(TimeSpan.FromSeconds(10)); // SIGTERM: the Shell ends the helpers it started
            _shell.Dispose();
        }
        Bus.Dispose(); // ends what the bus started for the Shell (calendar server, ...) with its connections
        _system.Dispose();
        _dir.Dispose();
    }

    /// <summary>Runs a program with this session's environment, as `presently-agent install` would inside it.</summary>
    private sealed class SessionRunner(Dictionary<string, string?> env) : ICommandRunner
    {
        public (int ExitCode, string Output) Run(string program, params string[] args)
        {
            var start = new System.Diagnostics.ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            foreach (var a in args) start.ArgumentList.Add(a);
            foreach (var (k, v) in env)
                if (v is null) start.Environment.Remove(k); else start.Environment[k] = v;
            try
            {
                using var p = System.Diagnostics.Process.Start(start)!;
                var stdout = p.StandardOutput.ReadToEndAsync();
                var stderr = p.StandardError.ReadToEndAsync();
                if (!p.WaitForExit(TimeSpan.FromSeconds(30)))
                {
                    p.Kill(entireProcessTree: true);
                    return (124, $"{program} did not finish within 30 s");
                }
                return (p.ExitCode, (stdout.Result + stderr.Result).Trim());
            }
            catch (System.ComponentModel.Win32Exception ex)
            {
                return (127, $"{program}: {ex.Message}");
            }
        }
    }
}
