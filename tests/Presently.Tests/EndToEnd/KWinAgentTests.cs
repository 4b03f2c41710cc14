using System.Diagnostics;
using System.Net;
using Presently.Protocol;
using Presently.Tests.Agent.SessionBus;
using Presently.Tests.Fixtures;

namespace Presently.Tests.EndToEnd;

/// <summary>
/// The real agent process in a real headless KDE Plasma Wayland session (KWin 5.27, see
/// <see cref="KWinDesktop"/>) against the real server: the session's environment picks the KWin
/// sensor, switches reach the board, the report adds up, and idle comes from KWin.
/// </summary>
[Collection(TimingSensitive.Name)]
public sealed class KWinAgentTests
{
    [Fact]
    public async Task KWin_agent_reports_window_switches_and_idle_and_the_report_adds_up()
    {
        await using var kwin = await KWinDesktop.StartAsync();
        await using var server = await ServerHost.StartAsync();
        using var home = new TempDirectory();
        await kwin.OpenTerminalAsync("AppAlpha", "Alpha terminal");
        await kwin.OpenTerminalAsync("AppBeta", "Beta terminal");
        var env = kwin.Env;
        env["PRESENTLY_AGENT_TOKEN"] = ServerHost.Token;
        env["PRESENTLY_AGENT_AGENTID"] = "kwin-agent";
        env["PRESENTLY_AGENT_IDLETHRESHOLD"] = "00:00:05";
        env["PRESENTLY_AGENT_CHECKPOINTINTERVAL"] = "00:00:02";
        env["PRESENTLY_AGENT_WATCHSYSTEMEVENTS"] = "false";
        using var agent = AgentProcess.Start(["run", "--server", server.BaseUri.ToString(), "--verbose"], home.Path, env);
        try
        {
            // Whichever window mapped last has the focus (the two start together); the script then
            // activates each one itself. Terminals can take a while on a busy 2-core runner.
            await BoardPage.WaitForAnyAppAsync(server, ["appalpha", "appbeta"], TimeSpan.FromSeconds(60));

            // Alpha for 3 s, Beta for 3 s, each switch seen within 2 s; activity in between (KWin's
            // virtual backend has no input devices) so nobody idles.
            var from = DateTimeOffset.UtcNow;
            var spent = new Dictionary<string, double>();
            foreach (var app in new[] { "appalpha", "appbeta" })
            {
                var switched = Stopwatch.StartNew();
                await kwin.ActivateAsync(app);
                await kwin.SimulateUserActivityAsync();
                await BoardPage.WaitForAppAsync(server, app, TimeSpan.FromSeconds(2));
                await Task.Delay(TimeSpan.FromSeconds(1.5));
                await kwin.SimulateUserActivityAsync();
                await Task.Delay(TimeSpan.FromSeconds(3) - switched.Elapsed);
                spent[app] = switched.Elapsed.TotalSeconds;
            }
            // The report up to the last switch (clipped there) holds what the script spent.
            var to = DateTimeOffset.UtcNow;
            await kwin.ActivateAsync("appalpha");
            await kwin.SimulateUserActivityAsync();
            await Eventually.Until(() => Reports.PerAppMsAsync(server.Http, from, to),
                m => spent.All(s => Math.Abs(m.GetValueOrDefault(s.Key) / 1000.0 - s.Value) <= 1),
                TimeSpan.FromSeconds(10), $"a report matching the script ({string.Join(", ", spent.Select(s => $"{s.Key} {s.Value:0.0} s"))})");

            // No input for the threshold: KWin says "idled", and the agent records idle time.
            await Eventually.Until(() => server.Store.GetSpansAsync("kwin-agent"), s => s[^1].State == SpanState.Idle, TimeSpan.FromSeconds(20), "an idle span");

            var status = await AgentProcess.RunAsync(["status"], home.Path, new Dictionary<string, string?> { ["PRESENTLY_AGENT_AGENTID"] = "kwin-agent" });
            Assert.Contains("kwin (kwin, idle)", status.Output);
            Assert.Contains("titles: yes", status.Output);
            Assert.Contains("idle: yes", status.Output);
        }
        catch (Exception ex)
        {
            // Everything needed to tell a slow desktop from a stuck agent, in the failure itself.
            throw new InvalidOperationException($"{ex.Message}\nagent output:\n{agent.Output}\nspans:\n{string.Join("\n", await server.Store.GetSpansAsync("kwin-agent"))}\nKWin:\n{kwin.Output}", ex);
        }
        Assert.Equal(0, await agent.StopAsync(TimeSpan.FromSeconds(10)));
        Assert.Contains("sensor: Wayland session of KDE: KWin sensor", agent.Output);
        Assert.False(await kwin.IsScriptLoadedAsync(Presently.Agent.Platforms.Linux.KWin.KWinScript.PluginName), "the agent left its script loaded in KWin");
    }
}
