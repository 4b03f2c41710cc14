using System.Globalization;

namespace Presently.Tests.Fixtures;

/// <summary>
/// A real X11 desktop for tests: Xvfb on a display number it picks itself (-displayfd), the
/// openbox window manager (which maintains _NET_ACTIVE_WINDOW), and xterm windows as apps.
/// </summary>
public sealed class X11Desktop : IAsyncDisposable
{
    private readonly List<ChildProcess> _processes = [];

    private X11Desktop(string display) => Display = display;

    public string Display { get; }

    public Dictionary<string, string?> Env => new() { ["DISPLAY"] = Display };

    /// <summary>Starts the desktop, skipping (or failing under PRESENTLY_REQUIRE_ALL) when a program is missing.</summary>
    public static async Task<X11Desktop> StartAsync()
    {
        var xvfb = Requirements.Program("Xvfb", "xvfb");
        var openbox = Requirements.Program("openbox", "openbox");
        Requirements.Program("xdotool", "xdotool");
        Requirements.Program("xterm", "xterm");
        Requirements.Program("xprop", "x11-utils");

        // -displayfd makes Xvfb choose a free display number and print it once it accepts clients.
        var server = new ChildProcess(xvfb, ["-displayfd", "1", "-screen", "0", "1280x800x24", "-nolisten", "tcp"], readStdoutYourself: true);
        var line = await server.Process.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(15));
        if (!int.TryParse(line, NumberStyles.Integer, CultureInfo.InvariantCulture, out var number))
        {
            server.Dispose();
            throw new InvalidOperationException($"Xvfb did not report a display: {line} {server.Output}");
        }
        var desktop = new X11Desktop($":{number}");
        desktop._processes.Add(server);
        var manager = new ChildProcess(openbox, ["--sm-disable"], desktop.Env);
        desktop._processes.Add(manager);
        var starts = 1;
        // The window manager is ready once it has announced itself on the root window. One that exited
        // (seen once under a full test run, output unknown) is started again rather than waited for.
        await Eventually.Until(
            async () =>
            {
                if (manager.HasExited)
                {
                    if (starts++ == 3) throw new InvalidOperationException($"openbox exited three times: {manager.Output}");
                    manager = new ChildProcess(openbox, ["--sm-disable"], desktop.Env);
                    desktop._processes.Add(manager);
                }
                return await TryRunAsync("xprop", ["-root", "_NET_SUPPORTING_WM_CHECK"], desktop.Env);
            },
            output => output.Contains("window id", StringComparison.Ordinal),
            TimeSpan.FromSeconds(30), "openbox start");
        return desktop;
    }

    /// <summary>Opens an xterm with the given WM_CLASS class and title; returns its window id once mapped.</summary>
    /// <param name="command">What the terminal runs: by default `sleep 3600`.</param>
    public async Task<string> OpenTerminalAsync(string wmClass, string title, string[]? command = null)
    {
        var term = new ChildProcess("xterm", ["-class", wmClass, "-T", title, "-e", .. command ?? ["sleep", "3600"]], Env);
        _processes.Add(term);
        var pid = term.Process.Id.ToString(CultureInfo.InvariantCulture);
        var ids = await Eventually.Until(
            async () => await TryRunAsync("xdotool", ["search", "--onlyvisible", "--pid", pid], Env),
            output => output.Length > 0,
            TimeSpan.FromSeconds(15), $"xterm {wmClass} window");
        return ids.Split('\n')[0].Trim();
    }

    /// <summary>Gives <paramref name="window"/> the focus and returns once the window manager reports it active.</summary>
    public Task ActivateAsync(string window) =>
        ChildProcess.RunAsync("xdotool", ["windowactivate", "--sync", window], Env);

    /// <summary>Types <paramref name="text"/> into the focused window as keyboard input (XTEST: xterm ignores synthetic events sent to a window).</summary>
    public Task TypeAsync(string text) => ChildProcess.RunAsync("xdotool", ["type", "--delay", "20", text], Env);

    public Task KeyAsync(string keys) => ChildProcess.RunAsync("xdotool", ["key", keys], Env);

    public async Task<string> ActiveWindowAsync() => await ChildProcess.RunAsync("xdotool", ["getactivewindow"], Env);

    public async ValueTask DisposeAsync()
    {
        for (var i = _processes.Count - 1; i >= 0; i--) _processes[i].Dispose();
        await Task.CompletedTask;
    }

    private static async Task<string> TryRunAsync(string program, string[] args, Dictionary<string, string?> env)
    {
        try
        {
            return await ChildProcess.RunAsync(program, args, env, TimeSpan.FromSeconds(5));
        }
        catch (InvalidOperationException)
        {
            return "";
        }
    }
}
