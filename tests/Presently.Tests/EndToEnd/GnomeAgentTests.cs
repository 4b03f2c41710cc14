using System.Net;
using Presently.Agent.Platforms.Linux.Gnome;
using Presently.Tests.Agent.SessionBus;
using Presently.Tests.Fixtures;

namespace Presently.Tests.EndToEnd;

/// <summary>
/// The real agent process in a real headless GNOME Shell session (see <see cref="GnomeShellDesktop"/>)
/// against the real server: the extension installed before the login, the session's environment
/// picks the GNOME sensor, switches reach the board and the report adds up.
/// </summary>
[Collection(TimingSensitive.Name)]
public sealed class GnomeAgentTests
{
    [Fact]
    public async Task GNOME_agent_reports_window_switches_and_the_report_adds_up()
    {
        await using var gnome = await GnomeShellDesktop.CreateAsync();
        Assert.NotNull(new GnomeShellExtension(gnome.DataHome, gnome.Runner).Install());
        await gnome.StartShellAsync();
        await Eventually.Until(() => gnome.OwnerAsync(GnomeShellSensor.BusName), owner => owner is not null, TimeSpan.FromSeconds(30), $"the Presently extension on the bus (GNOME Shell said: {gnome.Output})");
        await using var server = await ServerHost.StartAsync();
        using var home = new TempDirectory();
        await gnome.OpenTerminalAsync("presently.alpha", "Alpha terminal");
        await gnome.OpenTerminalAsync("presently.beta", "Beta terminal");

        // The session's environment, with the agent's own home (config, state) and GNOME's data folder (the extension).
        var env = new Dictionary<string, string?>(gnome.Env)
        {
            ["WAYLAND_DISPLAY"] = GnomeShellDesktop.WaylandSocket,
            ["XDG_CURRENT_DESKTOP"] = "GNOME",
            ["HOME"] = home.Path,
            ["XDG_CONFIG_HOME"] = null,
            ["XDG_CACHE_HOME"] = null,
            ["PRESENTLY_AGENT_TOKEN"] = ServerHost.Token,
            ["PRESENTLY_AGENT_AGENTID"] = "gnome-agent",
            ["PRESENTLY_AGENT_IDLETHRESHOLD"] = "01:00:00",
            ["PRESENTLY_AGENT_CHECKPOINTINTERVAL"] = "00:00:02",
            ["PRESENTLY_AGENT_WATCHSYSTEMEVENTS"] = "false",
        };
        using var agent = AgentProcess.Start(["run", "--server", server.BaseUri.ToString(), "--verbose"], home.Path, env);
        try
        {
            // Whichever window mapped last has the focus (the two start together); the script then
            // activates each one itself. Terminals can take a while on a busy 2-core runner.
            await BoardPage.WaitForAnyAppAsync(server, ["presently.alpha", "presently.beta"], TimeSpan.FromSeconds(60));
            var from = DateTimeOffset.UtcNow;
            var spent = new Dictionary<string, double>();
            foreach (var app in new[] { "presently.alpha", "presently.beta" })
            {
                var switched = System.Diagnostics.Stopwatch.StartNew();
                await gnome.ActivateAsync(app);
                await BoardPage.WaitForAppAsync(server, app, TimeSpan.FromSeconds(2));
                await Task.Delay(TimeSpan.FromSeconds(3) - switched.Elapsed);
                spent[app] = switched.Elapsed.TotalSeconds;
            }
            var to = DateTimeOffset.UtcNow;
            await gnome.ActivateAsync("presently.alpha");
            await Eventually.Until(() => Reports.PerAppMsAsync(server.Http, from, to),
                m => spent.All(s => Math.Abs(m.GetValueOrDefault(s.Key) / 1000.0 - s.Value) <= 1),
                TimeSpan.FromSeconds(10), $"a report matching the script ({string.Join(", ", spent.Select(s => $"{s.Key} {s.Value:0.0} s"))})");

            var status = await AgentProcess.RunAsync(["status"], home.Path, new Dictionary<string, string?> { ["PRESENTLY_AGENT_AGENTID"] = "gnome-agent" });
            Assert.Contains("gnome-shell (gnome-shell, idle)", status.Output);
            Assert.Contains("titles: yes", status.Output);
            Assert.Contains("idle: yes", status.Output);
        }
        catch (Exception ex)
        {
            // Everything needed to tell a slow desktop from a stuck agent, in the failure itself.
            throw new InvalidOperationException($"{ex.Message}\nagent output:\n{agent.Output}\nspans:\n{string.Join("\n", await server.Store.GetSpansAsync("gnome-agent"))}\nGNOME Shell:\n{gnome.Output}", ex);
        }
        Assert.Equal(0, await agent.StopAsync(TimeSpan.FromSeconds(10)));
        Assert.Contains("sensor: Wayland session of GNOME: GNOME sensor", agent.Output);
    }
}
