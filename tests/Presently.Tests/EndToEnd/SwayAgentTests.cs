using System.Diagnostics;
using System.Globalization;
using System.Net;
using Presently.Protocol;
using Presently.Tests.Fixtures;

namespace Presently.Tests.EndToEnd;

/// <summary>
/// The real agent process on a real headless sway (foot terminals as apps) against the real server:
/// report totals follow scripted focus changes, idle is reported, and a sway that dies leaves the
/// agent running and saying what broke.
/// </summary>
[Collection(TimingSensitive.Name)]
public sealed class SwayAgentTests
{
    private static readonly TimeSpan BoardDeadline = TimeSpan.FromSeconds(2);

    private static ChildProcess StartAgent(SwayDesktop desktop, ServerHost server, string home, string agentId, string idleThreshold = "01:00:00")
    {
        var env = desktop.Env;
        env["PRESENTLY_AGENT_TOKEN"] = ServerHost.Token;
        env["PRESENTLY_AGENT_AGENTID"] = agentId;
        env["PRESENTLY_AGENT_IDLETHRESHOLD"] = idleThreshold;
        env["PRESENTLY_AGENT_CHECKPOINTINTERVAL"] = "00:00:02";
        env["PRESENTLY_AGENT_WATCHSYSTEMEVENTS"] = "false";
        return AgentProcess.Start(["run", "--server", server.BaseUri.ToString(), "--verbose"], home, env);
    }

    [Fact]
    public async Task Sway_agent_reports_focus_switches_and_the_report_adds_up()
    {
        await using var desktop = await SwayDesktop.StartAsync();
        await using var server = await ServerHost.StartAsync();
        using var home = new TempDirectory();
        await desktop.OpenTerminalAsync("AppAlpha", "Alpha terminal");
        await desktop.OpenTerminalAsync("AppBeta", "Beta terminal");
        await desktop.OpenTerminalAsync("AppGamma", "Gamma terminal");
        using var agent = StartAgent(desktop, server, home.Path, "sway-agent");
        var log = TestContext.Current.TestOutputHelper;
        try
        {
            await BoardPage.WaitForAppAsync(server, "AppGamma", TimeSpan.FromSeconds(30));
            var from = DateTimeOffset.UtcNow;

            // The script: Alpha for 4 s, Beta for 3 s, Alpha for 5 s, then away to Gamma.
            var script = new (string App, double Seconds)[] { ("AppAlpha", 4), ("AppBeta", 3), ("AppAlpha", 5) };
            var spent = new Dictionary<string, double>();
            var latencies = new List<TimeSpan>();
            foreach (var (app, seconds) in script)
            {
                var switched = Stopwatch.StartNew();
                await desktop.FocusAsync(app);
                latencies.Add(await BoardPage.WaitForAppAsync(server, app, BoardDeadline, switched));
                await Task.Delay(TimeSpan.FromSeconds(seconds) - switched.Elapsed);
                spent[app] = spent.GetValueOrDefault(app) + switched.Elapsed.TotalSeconds;
            }
            var last = Stopwatch.StartNew();
            await desktop.FocusAsync("AppGamma");
            latencies.Add(await BoardPage.WaitForAppAsync(server, "AppGamma", BoardDeadline, last));
            log?.WriteLine($"board latencies (ms): {string.Join(", ", latencies.Select(l => l.TotalMilliseconds.ToString("0", CultureInfo.InvariantCulture)))}");

            var to = DateTimeOffset.UtcNow.AddMinutes(1);
            Dictionary<string, long> measured;
            try
            {
                measured = await Eventually.Until(() => Reports.PerAppMsAsync(server.Http, from, to),
                    m => spent.All(s => Math.Abs(m.GetValueOrDefault(s.Key) / 1000.0 - s.Value) <= 1), TimeSpan.FromSeconds(10), "report matching the script");
            }
            catch (TimeoutException)
            {
                measured = await Reports.PerAppMsAsync(server.Http, from, to);
            }
            log?.WriteLine($"scripted: {string.Join(", ", spent.Select(s => $"{s.Key} {s.Value:0.00} s"))}; reported: {string.Join(", ", measured.Select(m => $"{m.Key} {m.Value / 1000.0:0.00} s"))}");
            foreach (var (app, expected) in spent)
                Assert.InRange(measured.GetValueOrDefault(app) / 1000.0, expected - 1, expected + 1);

            var status = await AgentProcess.RunAsync(["status"], home.Path, new Dictionary<string, string?> { ["PRESENTLY_AGENT_AGENTID"] = "sway-agent" });
            Assert.Contains("sway (sway, idle)", status.Output);
            Assert.Contains("titles: yes", status.Output);
            Assert.Contains("idle: yes", status.Output);
        }
        catch
        {
            TestContext.Current.SendDiagnosticMessage("agent output:\n" + agent.Output);
            throw;
        }
        Assert.Equal(0, await agent.StopAsync(TimeSpan.FromSeconds(10)));
        Assert.Contains("sensor: Wayland session of sway with sway IPC", agent.Output);
    }

    [Fact]
    public async Task Sway_agent_records_idle_time_from_the_last_input()
    {
        await using var desktop = await SwayDesktop.StartAsync();
        await using var server = await ServerHost.StartAsync();
        using var home = new TempDirectory();
        await desktop.OpenTerminalAsync("AppIdle", "idle terminal");
        using var agent = StartAgent(desktop, server, home.Path, "sway-idle", idleThreshold: "00:00:05");
        try
        {
            // No input devices: the seat idles five seconds (the shortest threshold the agent accepts)
            // after the agent asked, and the idle span begins five seconds before it was told.
            var spans = await Eventually.Until(() => server.Store.GetSpansAsync("sway-idle"),
                s => s.Any(x => x.State == SpanState.Idle), TimeSpan.FromSeconds(20), "an idle span");
            var idle = spans.First(x => x.State == SpanState.Idle);
            Assert.Equal("AppIdle", idle.App);
            // Nothing was typed since the agent asked: the idle span is back-dated towards then (as far
            // as the checkpoints already sent allow), so less than the threshold counts as active.
            Assert.True(spans.Where(x => x.State == SpanState.Active).Sum(x => x.Duration.TotalSeconds) < 5, string.Join("\n", spans));
            Assert.DoesNotContain(spans, x => x.App is null);

            // Input (through sway's seat command) makes the person active again at once.
            await desktop.MsgAsync("seat", "seat0", "cursor", "move", "1", "1");
            await Eventually.Until(() => server.Store.GetSpansAsync("sway-idle"),
                s => s[^1].State == SpanState.Active && s[^1].Start >= idle.Start, TimeSpan.FromSeconds(10), "active again after input");
        }
        catch
        {
            var stored = await server.Store.GetSpansAsync("sway-idle");
            TestContext.Current.SendDiagnosticMessage("spans:\n" + string.Join("\n", stored) + "\nagent output:\n" + agent.Output);
            throw;
        }
        Assert.Equal(0, await agent.StopAsync(TimeSpan.FromSeconds(10)));
    }

    [Fact]
    public async Task When_sway_dies_the_agent_keeps_running_and_status_says_what_broke()
    {
        await using var desktop = await SwayDesktop.StartAsync();
        await using var server = await ServerHost.StartAsync();
        using var home = new TempDirectory();
        await desktop.OpenTerminalAsync("AppAlpha", "Alpha terminal");
        using var agent = StartAgent(desktop, server, home.Path, "sway-killed");
        var env = new Dictionary<string, string?> { ["PRESENTLY_AGENT_AGENTID"] = "sway-killed" };
        try
        {
            await BoardPage.WaitForAppAsync(server, "AppAlpha", TimeSpan.FromSeconds(30));
            await desktop.KillAsync();

            // status.json is rewritten when the connection changes or every 10 s at most.
            var status = await Eventually.Until(() => AgentProcess.RunAsync(["status"], home.Path, env),
                r => r.Output.Contains("titles: no", StringComparison.Ordinal), TimeSpan.FromSeconds(25), "status saying sway is gone");
            Assert.Equal(0, status.ExitCode);
            Assert.Contains($"titles: no — sway at {desktop.IpcSocket}", status.Output);
            Assert.Contains("idle: no — ", status.Output);
            Assert.False(agent.HasExited, agent.Output);
            // What was in front is no longer claimed: the open span has no app.
            await Eventually.Until(() => server.Store.GetSpansAsync("sway-killed"), s => s[^1].App is null, TimeSpan.FromSeconds(10), "a span without app");
        }
        catch
        {
            TestContext.Current.SendDiagnosticMessage("agent output:\n" + agent.Output);
            throw;
        }
        Assert.Equal(0, await agent.StopAsync(TimeSpan.FromSeconds(10)));
    }
}
