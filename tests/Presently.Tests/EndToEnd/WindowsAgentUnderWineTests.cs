using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Presently.Server.Agents;
using Presently.Tests.Fixtures;

namespace Presently.Tests.EndToEnd;

/// <summary>
/// The Windows agent, for real, under Wine: the win-x64 self-contained build enrolls and runs in a
/// private Wine prefix on Xvfb + openbox against the real server on loopback, while xdotool moves
/// the focus between Wine's notepad and regedit. The Windows sensor names apps by their version
/// information: Wine's regedit.exe has FileDescription "Wine Registry Editor"; Wine's notepad.exe
/// has no version resource at all, so it goes by its file name, "notepad". A non-Wine window (an
/// xterm) in front leaves Wine's desktop window in front: explorer.exe, "Wine Explorer".
/// </summary>
[Collection(TimingSensitive.Name)]
public sealed class WindowsAgentUnderWineTests
{
    private const string Notepad = "notepad";
    private const string Regedit = "Wine Registry Editor";
    private const string Elsewhere = "Wine Explorer";
    private static readonly TimeSpan BoardDeadline = TimeSpan.FromSeconds(3);

    [Fact]
    public async Task Windows_agent_under_Wine_reports_notepad_and_regedit_hours_and_shows_them_on_the_board()
    {
        WineDesktop.RequireWine();
        var log = TestContext.Current.TestOutputHelper;
        var total = Stopwatch.StartNew();
        // Publishing and creating the prefix overlap: one compiles, the other mostly waits.
        var publish = WindowsAgentBuild.DirectoryAsync();
        await using var wine = await WineDesktop.StartAsync();
        log?.WriteLine($"Wine prefix ready after {total.Elapsed.TotalSeconds:0.0} s");
        var exe = Path.Combine(await publish, "presently-agent.exe");
        log?.WriteLine($"agent published after {total.Elapsed.TotalSeconds:0.0} s");
        await using var server = await ServerHost.StartAsync();

        var neutral = await wine.Desktop.OpenTerminalAsync("Neutral", "not a Windows program");
        var notepad = await wine.OpenAsync("notepad.exe");
        var regedit = await wine.OpenAsync("regedit.exe");
        await wine.ActivateAsync(neutral);

        // Enrolled the way a person would, under Wine: the credential lands in %LOCALAPPDATA%\Presently\state.
        var (code, _) = await server.Services.GetRequiredService<EnrollmentCodes>().CreateAsync("wendy", "test", TimeSpan.FromHours(1));
        var (enrollExit, enrollOutput) = await wine.RunAsync(exe, ["enroll", "--server", server.BaseUri.ToString(), "--code", code], TimeSpan.FromSeconds(60));
        Assert.True(enrollExit == 0, $"enroll exited with {enrollExit}: {enrollOutput}");
        var state = Path.Combine(wine.LocalAppData, "Presently", "state");
        Assert.True(File.Exists(Path.Combine(state, "credential.json")), $"no credential in {state}: {enrollOutput}");

        // The default config file on Windows, %LOCALAPPDATA%\Presently\agent.json. Wine delivers no
        // WinEvents across processes, so under Wine the sensor sees switches by polling; a short
        // interval keeps each switch within a fraction of the ±1 s the report must meet.
        File.WriteAllText(Path.Combine(wine.LocalAppData, "Presently", "agent.json"),
            """{ "PollInterval": "00:00:00.200", "IdleThreshold": "01:00:00" }""");

        using var agent = wine.Start(exe, "run", "--verbose");
        try
        {
            await BoardPage.WaitForAppAsync(server, null, TimeSpan.FromSeconds(30));
            log?.WriteLine($"agent on the board after {total.Elapsed.TotalSeconds:0.0} s");
            // A program that has just started may take Wine's foreground after the xterm got the X focus;
            // going through notepad to the xterm makes the starting point certain.
            await wine.ActivateAsync(notepad);
            await BoardPage.WaitForAppAsync(server, Notepad, BoardDeadline);
            await wine.ActivateAsync(neutral);
            await BoardPage.WaitForAppAsync(server, Elsewhere, BoardDeadline);
            // Time before this (the warm-up) is outside the report's period.
            var from = DateTimeOffset.UtcNow;

            // The script: notepad for 4 s, regedit for 3 s, notepad for 5 s, then away.
            var script = new (string Window, string App, double Seconds)[] { (notepad, Notepad, 4), (regedit, Regedit, 3), (notepad, Notepad, 5) };
            var spent = new Dictionary<string, double>();
            var latencies = new List<TimeSpan>();
            foreach (var (window, app, seconds) in script)
            {
                var switched = Stopwatch.StartNew();
                await wine.ActivateAsync(window);
                latencies.Add(await BoardPage.WaitForAppAsync(server, app, BoardDeadline, switched));
                await Task.Delay(TimeSpan.FromSeconds(seconds) - switched.Elapsed);
                spent[app] = spent.GetValueOrDefault(app) + switched.Elapsed.TotalSeconds;
            }
            var last = Stopwatch.StartNew();
            await wine.ActivateAsync(neutral);
            latencies.Add(await BoardPage.WaitForAppAsync(server, Elsewhere, BoardDeadline, last));
            log?.WriteLine($"board latencies (ms): {string.Join(", ", latencies.Select(l => l.TotalMilliseconds.ToString("0", CultureInfo.InvariantCulture)))}");

            // The spans of the script are closed once the board shows the next app; the report may take a moment longer.
            var to = DateTimeOffset.UtcNow.AddMinutes(1);
            Dictionary<string, long> measured;
            try
            {
                measured = await Eventually.Until(
                    () => Reports.PerAppMsAsync(server.Http, from, to),
                    m => spent.All(s => Math.Abs(m.GetValueOrDefault(s.Key) / 1000.0 - s.Value) <= 1),
                    TimeSpan.FromSeconds(10), "report matching the script");
            }
            catch (TimeoutException)
            {
                measured = await Reports.PerAppMsAsync(server.Http, from, to);
            }
            log?.WriteLine($"scripted: {Describe(spent.ToDictionary(s => s.Key, s => s.Value))}; reported: {Describe(measured.ToDictionary(m => m.Key, m => m.Value / 1000.0))}");
            foreach (var (app, expected) in spent)
                Assert.InRange(measured.GetValueOrDefault(app) / 1000.0, expected - 1, expected + 1);

            // The running agent keeps its status in the Windows state folder and names its sensor.
            var status = JsonDocument.Parse(File.ReadAllText(Path.Combine(state, "status.json"))).RootElement;
            Assert.StartsWith("windows", status.GetProperty("sensor").GetString());
            log?.WriteLine($"sensor: {status.GetProperty("sensor").GetString()}; whole test {total.Elapsed.TotalSeconds:0.0} s");
        }
        catch
        {
            TestContext.Current.SendDiagnosticMessage("agent output:\n" + agent.Output);
            throw;
        }
    }

    [Fact]
    public async Task Install_under_Wine_adds_the_logon_entry_and_starts_the_agent_and_uninstall_undoes_both()
    {
        WineDesktop.RequireWine();
        var publish = WindowsAgentBuild.DirectoryAsync();
        await using var wine = await WineDesktop.StartAsync();
        var exe = Path.Combine(await publish, "presently-agent.exe");
        await using var server = await ServerHost.StartAsync();
        var (code, _) = await server.Services.GetRequiredService<EnrollmentCodes>().CreateAsync("ines", "test", TimeSpan.FromHours(1));
        var (enrollExit, enrollOutput) = await wine.RunAsync(exe, ["enroll", "--server", server.BaseUri.ToString(), "--code", code], TimeSpan.FromSeconds(60));
        Assert.True(enrollExit == 0, $"enroll exited with {enrollExit}: {enrollOutput}");

        const string RunKey = @"HKCU\Software\Microsoft\Windows\CurrentVersion\Run";
        async Task<string> QueryRunKeyAsync() => (await wine.RunAsync("reg", ["query", RunKey, "/v", "Presently"], TimeSpan.FromSeconds(60))).Output;

        var (installExit, installOutput) = await wine.RunAsync(exe, ["install"], TimeSpan.FromSeconds(60));
        Assert.True(installExit == 0, $"install exited with {installExit}: {installOutput}");
        Assert.Contains(@"added HKCU\Software\Microsoft\Windows\CurrentVersion\Run\Presently", installOutput);
        var entry = await QueryRunKeyAsync();
        Assert.Contains("presently-agent.exe", entry, StringComparison.OrdinalIgnoreCase);
        Assert.Contains(" run", entry);

        // The agent it started is running and connected; `status` says so (not only on Linux).
        var status = await Eventually.Until(() => wine.RunAsync(exe, ["status"], TimeSpan.FromSeconds(60)),
            r => r.ExitCode == 0 && r.Output.Contains("connection:   connected", StringComparison.Ordinal), TimeSpan.FromSeconds(60), "the installed agent running and connected");
        Assert.Contains("running, pid", status.Output);

        // Idempotent: a second install keeps the entry.
        var again = await wine.RunAsync(exe, ["install"], TimeSpan.FromSeconds(60));
        Assert.Equal(0, again.ExitCode);
        Assert.Contains("kept", again.Output);
        Assert.Contains("the agent is already running", again.Output); // not a second agent on the same journal

        var (uninstallExit, uninstallOutput) = await wine.RunAsync(exe, ["uninstall"], TimeSpan.FromSeconds(60));
        Assert.True(uninstallExit == 0, $"uninstall exited with {uninstallExit}: {uninstallOutput}");
        Assert.Contains(@"removed HKCU\Software\Microsoft\Windows\CurrentVersion\Run\Presently", uninstallOutput);
        Assert.Contains("stopped the running agent", uninstallOutput);
        Assert.DoesNotContain("presently-agent.exe", await QueryRunKeyAsync(), StringComparison.OrdinalIgnoreCase);
        Assert.Equal(3, (await wine.RunAsync(exe, ["status"], TimeSpan.FromSeconds(60))).ExitCode);

        var (_, twice) = await wine.RunAsync(exe, ["uninstall"], TimeSpan.FromSeconds(60));
        Assert.Contains("no logon entry to remove", twice);
    }

    private static string Describe(Dictionary<string, double> seconds) =>
        string.Join(", ", seconds.Select(s => string.Create(CultureInfo.InvariantCulture, $"{s.Key} {s.Value:0.00} s")));
}
