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

    private Process Start(string program, string[] args, bool redirect = false)
    {
        var p = Process.Start(Info(program, args, redirect)) ?? throw new InvalidOperationException($"cannot start {program}");
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
