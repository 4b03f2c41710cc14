using System.Globalization;

namespace Presently.Tests.Fixtures;

/// <summary>
/// Windows programs on a real X desktop: Debian's Wine (wine64) with a private prefix in a temp
/// folder, on <see cref="X11Desktop"/> (Xvfb + openbox). Disposing ends every Wine process of the
/// prefix (wineserver -k), then the desktop.
/// </summary>
public sealed class WineDesktop : IAsyncDisposable
{
    /// <summary>Debian installs the loader outside PATH.</summary>
    public const string Wine64 = "/usr/lib/wine/wine64";
    public const string WineServer = "/usr/lib/wine/wineserver";

    private const string NoDebugger = "winedbg.exe=d";

    private readonly List<ChildProcess> _processes = [];
    private readonly TempDirectory _prefix;

    private WineDesktop(X11Desktop desktop, TempDirectory prefix)
    {
        Desktop = desktop;
        _prefix = prefix;
    }

    public X11Desktop Desktop { get; }

    public string Prefix => Path.Combine(_prefix.Path, "prefix");

    public Dictionary<string, string?> Env => new()
    {
        ["DISPLAY"] = Desktop.Display,
        ["WINEPREFIX"] = Prefix,
        ["WINEDEBUG"] = "-all",
        // A crash exits instead of waiting in winedbg for a debugger nobody attaches.
        ["WINEDLLOVERRIDES"] = NoDebugger,
        // .NET's W^X double mapping of JIT code crashes under Wine 8 ("Internal CLR error" when a
        // DynamicMethod is collected); real Windows does not need this.
        ["DOTNET_EnableWriteXorExecute"] = "0",
    };

    /// <summary>The Windows user's profile folder as a Linux path (C:\users\NAME).</summary>
    public string UserProfile =>
        Directory.GetDirectories(Path.Combine(Prefix, "drive_c", "users")).Single(d => Path.GetFileName(d) != "Public");

    /// <summary>%LOCALAPPDATA% as a Linux path.</summary>
    public string LocalAppData => Path.Combine(UserProfile, "AppData", "Local");

    /// <summary>Skips (or fails under PRESENTLY_REQUIRE_ALL) without wine64; call before starting anything slow.</summary>
    public static string RequireWine() => Requirements.Program(Wine64, "wine64");

    public static async Task<WineDesktop> StartAsync()
    {
        RequireWine();
        var desktop = await X11Desktop.StartAsync();
        var wine = new WineDesktop(desktop, new TempDirectory("presently-wine-"));
        try
        {
            // Creates the prefix; returns once it is usable. Without Mono and Gecko, which would otherwise
            // be offered in a dialog. Only here: .NET's own runtime loads its IL assemblies through mscoree's hooks.
            var boot = wine.Env;
            boot["WINEDLLOVERRIDES"] = $"mscoree,mshtml=;{NoDebugger}";
            await ChildProcess.RunAsync(Wine64, ["wineboot", "-i"], boot, TimeSpan.FromSeconds(120));
            return wine;
        }
        catch
        {
            await wine.DisposeAsync();
            throw;
        }
    }

    /// <summary>Starts a Windows program (a name on Wine's path, or a Linux path to an .exe).</summary>
    public ChildProcess Start(string program, params string[] args)
    {
        var p = new ChildProcess(Wine64, [program, .. args], Env);
        _processes.Add(p);
        return p;
    }

    /// <summary>Runs a Windows program to completion; returns its exit code and output.</summary>
    public async Task<(int ExitCode, string Output)> RunAsync(string program, string[] args, TimeSpan timeout)
    {
        using var p = new ChildProcess(Wine64, [program, .. args], Env);
        // Waits for the process, not for the end of its output: under Wine a program it starts (the
        // agent that `install` launches) inherits the Unix pipes, which then stay open.
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (!p.Process.HasExited)
        {
            if (clock.Elapsed > timeout)
                throw new TimeoutException($"{program} {string.Join(' ', args)} did not exit within {timeout.TotalSeconds:0} s: {p.Output}");
            await Task.Delay(50);
        }
        // What it wrote just before exiting may still be in the pipe: read until the output settles.
        var output = p.Output;
        for (var settle = System.Diagnostics.Stopwatch.StartNew(); settle.Elapsed < TimeSpan.FromSeconds(3);)
        {
            await Task.Delay(100);
            var now = p.Output;
            if (now.Length > 0 && now == output) break;
            output = now;
        }
        return (p.Process.ExitCode, p.Output);
    }

    /// <summary>
    /// Starts a Wine program and returns its visible top-level X window. Matched by class name
    /// (the .exe name): Wine also makes a hidden IME window per program, which --onlyvisible skips.
    /// </summary>
    public async Task<string> OpenAsync(string exe)
    {
        Start(exe);
        var ids = await Eventually.Until(
            async () => await TryRunAsync("xdotool", ["search", "--onlyvisible", "--classname", exe]),
            output => output.Length > 0,
            TimeSpan.FromSeconds(30), $"{exe} window");
        return ids.Split('\n')[0].Trim();
    }

    public Task ActivateAsync(string window) => Desktop.ActivateAsync(window);

    public async ValueTask DisposeAsync()
    {
        for (var i = _processes.Count - 1; i >= 0; i--) _processes[i].Dispose();
        try
        {
            // Services, explorer and the rest of this prefix's processes are not our children; wineserver knows them.
            await ChildProcess.RunAsync(WineServer, ["-k"], Env, TimeSpan.FromSeconds(15));
            await ChildProcess.RunAsync(WineServer, ["-w"], Env, TimeSpan.FromSeconds(15));
        }
        catch (Exception ex) when (ex is InvalidOperationException or OperationCanceledException)
        {
            // -k exits non-zero when no server was running: nothing left to end.
        }
        await Desktop.DisposeAsync();
        _prefix.Dispose();
    }

    private async Task<string> TryRunAsync(string program, string[] args)
    {
        try
        {
            return await ChildProcess.RunAsync(program, args, Env, TimeSpan.FromSeconds(5));
        }
        catch (InvalidOperationException)
        {
            return "";
        }
    }

    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"Wine on {Desktop.Display}, prefix {Prefix}");
}
