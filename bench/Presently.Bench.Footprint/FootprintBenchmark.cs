using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Presently.Server;
using Presently.Storage;

namespace Presently.Bench.Footprint;

public sealed record FootprintSettings(string? Agent, TimeSpan Measure, TimeSpan Switch, TimeSpan Warmup, IReadOnlyList<string> AgentEnvironment);

/// <summary>
/// Runs the real agent against a real server on loopback while xdotool switches between two xterms,
/// and reads the agent's CPU time, RSS and threads from /proc once a second. CPU is reported as a
/// share of one core over the measured window (after the warm-up).
/// </summary>
public static class FootprintBenchmark
{
    private const string Token = "footprint-bench-token-0123456789";

    public static async Task<int> RunAsync(FootprintSettings s, CancellationToken ct)
    {
        var work = Directory.CreateTempSubdirectory("presently-footprint-").FullName;
        try
        {
            Console.WriteLine($"cpu:      {Environment.ProcessorCount} logical cores, {CpuModel()}");
            Console.WriteLine($"os:       {RuntimeInformation.OSDescription}");
            var agentPath = s.Agent ?? await PublishAsync(work, ct);
            Console.WriteLine($"agent:    {agentPath} ({new FileInfo(agentPath).Length / 1e6:0.0} MB)");
            Console.WriteLine($"settings: measure {s.Measure.TotalMinutes:0.##} min after {s.Warmup.TotalSeconds:0} s warm-up, a window switch every {s.Switch.TotalSeconds:0.#} s");

            // A Windows build (.exe) runs under Wine and switches between Wine's own notepad and regedit:
            // Wine's user32 sees only Wine windows.
            var wine = agentPath.EndsWith(".exe", StringComparison.OrdinalIgnoreCase);
            using var desktop = await Desktop.StartAsync(windows: wine ? 0 : 2);
            var windows = wine ? await desktop.OpenWineWindowsAsync(Path.Combine(work, "wine-prefix")) : await desktop.WindowsAsync(2);
            await using var server = await StartServerAsync(Path.Combine(work, "data"));
            var url = server.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();

            var home = Path.Combine(work, "home");
            Directory.CreateDirectory(home);
            var environment = new Dictionary<string, string>
            {
                ["HOME"] = home,
                ["XDG_CONFIG_HOME"] = Path.Combine(home, ".config"),
                ["XDG_STATE_HOME"] = Path.Combine(home, ".state"),
                ["DISPLAY"] = desktop.Display,
                ["PRESENTLY_AGENT_SERVER"] = url,
                ["PRESENTLY_AGENT_TOKEN"] = Token,
            };
            if (wine) foreach (var (name, value) in desktop.WineEnvironment(Path.Combine(work, "wine-prefix"))) environment[name] = value;
            using var agentProcess = StartAgent(agentPath, wine, environment, s.AgentEnvironment);
            try
            {
                var switches = 0;
                var next = 0;
                async Task SwitchAsync()
                {
                    await desktop.XdotoolAsync("windowactivate", "--sync", windows[next]);
                    next = (next + 1) % windows.Length;
                    switches++;
                }

                // Warm-up: start-up costs (JIT, connecting, first spans) are not what a desktop pays all day.
                var clock = Stopwatch.StartNew();
                while (clock.Elapsed < s.Warmup) await StepAsync(SwitchAsync, s.Switch, ct);
                var first = ProcSample.Read(agentProcess.Id) ?? throw new InvalidOperationException("the agent exited during the warm-up");
                var measured = Stopwatch.StartNew();
                var samples = new List<ProcSample>();
                var lastSwitch = Stopwatch.StartNew();
                switches = 0;
                while (measured.Elapsed < s.Measure)
                {
                    await Task.Delay(TimeSpan.FromSeconds(1), ct);
                    samples.Add(ProcSample.Read(agentProcess.Id) ?? throw new InvalidOperationException("the agent exited"));
                    if (lastSwitch.Elapsed >= s.Switch)
                    {
                        await SwitchAsync();
                        lastSwitch.Restart();
                    }
                }
                var last = samples[^1];
                var elapsed = measured.Elapsed;
                var cpuShare = (last.Cpu - first.Cpu).TotalSeconds / elapsed.TotalSeconds;
                Console.WriteLine();
                Console.WriteLine($"measured: {elapsed.TotalSeconds:0} s, {switches} window switches");
                Console.WriteLine($"cpu:      {cpuShare * 100:0.000} % of one core ({(last.Cpu - first.Cpu).TotalMilliseconds:0} ms of CPU)");
                Console.WriteLine($"rss:      mean {samples.Average(x => x.RssKiB) / 1024:0.0} MiB, max {samples.Max(x => x.RssKiB) / 1024.0:0.0} MiB, at the end {last.RssKiB / 1024.0:0.0} MiB");
                Console.WriteLine($"threads:  max {samples.Max(x => x.Threads)}, at the end {last.Threads}");
                Console.WriteLine($"resident: {string.Join(", ", ResidentMap.Read(agentProcess.Id).Take(8).Select(m => $"{m.Name} {m.RssKiB / 1024.0:0.0}"))} (MiB)");
                var spans = await server.Services.GetRequiredService<ISpanStore>().GetSpansAsync(
                    (await server.Services.GetRequiredService<ISpanStore>().ListAgentsAsync(ct)).Single().AgentId, ct);
                var titles = spans.Where(x => x.Title is not null).Select(x => x.Title).Distinct().ToList();
                Console.WriteLine($"check:    {spans.Count} spans stored, titles {string.Join(", ", titles.Take(4))}");
                return titles.Count >= 2 ? 0 : 1; // the agent saw both windows
            }
            finally
            {
                if (!agentProcess.HasExited) agentProcess.Kill();
            }
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
    }

    private static async Task StepAsync(Func<Task> doSwitch, TimeSpan interval, CancellationToken ct)
    {
        await doSwitch();
        await Task.Delay(interval, ct);
    }

    private static Process StartAgent(string path, bool wine, Dictionary<string, string> baseEnvironment, IReadOnlyList<string> environment)
    {
        var info = wine ? new ProcessStartInfo(Desktop.Wine64) { ArgumentList = { path } }
            : path.EndsWith(".dll", StringComparison.Ordinal) ? new ProcessStartInfo("dotnet") { ArgumentList = { path } }
            : new ProcessStartInfo(path);
        info.ArgumentList.Add("run");
        info.UseShellExecute = false;
        info.RedirectStandardError = true;
        foreach (var (name, value) in baseEnvironment) info.Environment[name] = value;
        foreach (var pair in environment)
        {
            var eq = pair.IndexOf('=');
            if (eq <= 0) throw new ArgumentException($"--agent-env takes NAME=VALUE, not '{pair}'");
            info.Environment[pair[..eq]] = pair[(eq + 1)..];
        }
        var p = Process.Start(info) ?? throw new InvalidOperationException("cannot start the agent");
        p.ErrorDataReceived += (_, _) => { }; // its log is not the measurement; keep the pipe drained
        p.BeginErrorReadLine();
        return p;
    }

    private static async Task<WebApplication> StartServerAsync(string dataDirectory)
    {
        var app = PresentlyServer.Build([
            "--urls", "http://127.0.0.1:0",
            "--Presently:DataDirectory", dataDirectory,
            "--Presently:DevelopmentAgentToken", Token,
            "--Presently:DevelopmentPerson", "footprint",
            "--Logging:LogLevel:Default", "Warning",
        ]);
        await app.StartAsync();
        return app;
    }

    /// <summary>Publishes the NativeAOT agent into <paramref name="work"/> (needs clang and zlib1g-dev).</summary>
    private static async Task<string> PublishAsync(string work, CancellationToken ct)
    {
        var repo = FindRepository();
        var output = Path.Combine(work, "agent");
        Console.WriteLine("publish:  NativeAOT linux-x64 agent (a few minutes)");
        var info = new ProcessStartInfo("dotnet") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in new[] { "publish", Path.Combine(repo, "src", "Presently.Agent"), "-c", "Release", "-r", "linux-x64", "-p:PublishAot=true", "-o", output }) info.ArgumentList.Add(a);
        using var p = Process.Start(info)!;
        var log = await p.StandardOutput.ReadToEndAsync(ct);
        await p.WaitForExitAsync(ct);
        if (p.ExitCode != 0) throw new InvalidOperationException($"publishing the agent failed:\n{log}");
        return Path.Combine(output, "presently-agent");
    }

    private static string FindRepository()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Presently.slnx"))) return dir.FullName;
        throw new InvalidOperationException("run from a clone of the repository, or pass --agent");
    }

    private static string CpuModel() =>
        File.Exists("/proc/cpuinfo") && File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal)) is { } l
            ? l.Split(':', 2)[1].Trim() : "model unknown";
}
