using System.Diagnostics;
using System.Globalization;

namespace Presently.Bench.Footprint;

/// <summary>Xvfb on a display it picks itself, openbox, and xterm windows to switch between with xdotool.</summary>
public sealed class Desktop : IDisposable
{
    private readonly List<Process> _processes = [];

    public string Display { get; private set; } = "";

    public static async Task<Desktop> StartAsync(int windows)
    {
        var desktop = new Desktop();
        var xvfb = desktop.Start("Xvfb", ["-displayfd", "1", "-screen", "0", "1280x800x24", "-nolisten", "tcp"], redirect: true);
        var line = await xvfb.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(15));
        desktop.Display = ":" + int.Parse(line ?? "", CultureInfo.InvariantCulture);
        desktop.Start("openbox", ["--sm-disable"]);
        for (var i = 0; i < windows; i++) desktop.Start("xterm", ["-T", $"footprint-{i}"]);
        return desktop;
    }

    /// <summary>Wine's environment for a private prefix on this display (no debugger, no W^X: see docs/agent.md).</summary>
    public Dictionary<string, string> WineEnvironment(string prefix) => new()
    {
        ["WINEPREFIX"] = prefix,
        ["WINEDEBUG"] = "-all",
        ["WINEDLLOVERRIDES"] = "winedbg.exe=d",
        ["DOTNET_EnableWriteXorExecute"] = "0",
    };

    /// <summary>Creates a Wine prefix and opens Wine's notepad and regedit; returns their X window ids.</summary>
    public async Task<string[]> OpenWineWindowsAsync(string prefix)
    {
        var boot = WineEnvironment(prefix);
        boot["WINEDLLOVERRIDES"] = "mscoree,mshtml=;winedbg.exe=d";
        using (var wineboot = Start(Wine64, ["wineboot", "-i"], env: boot)) await wineboot.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(3));
        var ids = new List<string>();
        foreach (var exe in new[] { "notepad.exe", "regedit.exe" })
        {
            Start(Wine64, [exe], env: WineEnvironment(prefix));
            var deadline = Stopwatch.StartNew();
            while (true)
            {
                // Wine adds a hidden IME window per program: only the visible one is the app.
                var found = (await XdotoolAsync("search", "--onlyvisible", "--classname", exe)).Split('\n', StringSplitOptions.RemoveEmptyEntries);
                if (found.Length > 0)
                {
                    ids.Add(found[0]);
                    break;
                }
                if (deadline.Elapsed > TimeSpan.FromSeconds(60)) throw new TimeoutException($"Wine's {exe} did not open");
                await Task.Delay(200);
            }
        }
        return [.. ids];
    }

    public const string Wine64 = "/usr/lib/wine/wine64";

    /// <summary>The X window ids of the xterms, once they are mapped.</summary>
    public async Task<string[]> WindowsAsync(int count)
    {
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            var ids = new List<string>();
            for (var i = 0; i < count; i++)
                if ((await XdotoolAsync("search", "--name", $"^footprint-{i}$")).Split('\n', StringSplitOptions.RemoveEmptyEntries).FirstOrDefault() is { } id) ids.Add(id);
            if (ids.Count == count) return [.. ids];
            if (deadline.Elapsed > TimeSpan.FromSeconds(20)) throw new TimeoutException("the xterm windows did not appear");
            await Task.Delay(100);
        }
    }

    public Task<string> XdotoolAsync(params string[] args) => RunAsync("xdotool", args);

    private async Task<string> RunAsync(string program, string[] args)
    {
        using var p = new Process { StartInfo = Info(program, args, redirect: true) };
        p.Start();
        var output = await p.StandardOutput.ReadToEndAsync();
        await p.WaitForExitAsync();
        return output;
    }

    private Process Start(string program, string[] args, bool redirect = false, Dictionary<string, string>? env = null)
    {
        var info = Info(program, args, redirect);
        foreach (var (name, value) in env ?? []) info.Environment[name] = value;
        var p = Process.Start(info) ?? throw new InvalidOperationException($"cannot start {program}");
        _processes.Add(p);
        return p;
    }

    private ProcessStartInfo Info(string program, string[] args, bool redirect)
    {
        var info = new ProcessStartInfo(program) { RedirectStandardOutput = redirect, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args) info.ArgumentList.Add(a);
        if (Display.Length > 0) info.Environment["DISPLAY"] = Display;
        return info;
    }

    public void Dispose()
    {
        foreach (var p in Enumerable.Reverse(_processes))
        {
            try
            {
                if (!p.HasExited) p.Kill(entireProcessTree: true);
            }
            catch (InvalidOperationException)
            {
            }
            p.Dispose();
        }
    }
}
