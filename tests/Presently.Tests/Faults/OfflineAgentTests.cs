using Microsoft.Extensions.Time.Testing;
using Presently.Agent;
using Presently.Agent.Config;
using Presently.Tests.Fixtures;

namespace Presently.Tests.Faults;

/// <summary>The agent records eight hours of injected time with the server unreachable, then delivers all of it.</summary>
public sealed class OfflineAgentTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task Eight_hours_offline_arrive_in_full_when_the_server_is_back()
    {
        var script = new List<(string App, int Seconds)>();
        var random = new Random(8);
        var apps = new[] { "vim", "firefox", "slack" };
        for (var total = 0; total < 8 * 3600;)
        {
            var seconds = Math.Min(random.Next(60, 1800), 8 * 3600 - total);
            script.Add((apps[script.Count % apps.Length], seconds));
            total += seconds;
        }
        var expected = script.GroupBy(s => s.App).ToDictionary(g => g.Key, g => g.Sum(s => s.Seconds) * 1000L);

        var start = DateTimeOffset.UtcNow.AddHours(-8).AddMinutes(-1);
        var time = new FakeTimeProvider(start);
        using var sensor = new ScriptedSensor(time, script);
        var port = ServerProcess.FreePort();
        var settings = new AgentSettings
        {
            Server = $"http://127.0.0.1:{port}",
            Token = ServerHost.Token,
            AgentId = "offline-agent",
            StateDirectory = _dir.File("agent"),
            CheckpointInterval = TimeSpan.FromMinutes(1),
            MaxBackoff = TimeSpan.FromSeconds(1),
            IdleThreshold = TimeSpan.FromHours(1),
            SleepGap = TimeSpan.FromSeconds(10),
        };
        var log = new StringWriter();
        using var stop = new CancellationTokenSource();
        var agent = new AgentRunner(settings, sensor, null, time, new AgentLog(TextWriter.Synchronized(log))).RunAsync(stop.Token);

        // Eight hours pass on the agent's clock while nothing listens on the server's port.
        await sensor.Played.WaitAsync(TimeSpan.FromSeconds(120));
        Assert.Contains("connection to", log.ToString());

        await using var server = await ServerHost.StartAsync(null, null, "--urls", $"http://127.0.0.1:{port}");
        sensor.Release();
        await agent.WaitAsync(TimeSpan.FromSeconds(60));

        var totals = await Reports.PerAppMsAsync(server.Http, start.AddHours(-1), DateTimeOffset.UtcNow.AddMinutes(1));
        totals.Remove("end");
        Assert.Equal(expected.OrderBy(kv => kv.Key), totals.OrderBy(kv => kv.Key));
    }
}
