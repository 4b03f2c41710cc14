using System.Diagnostics;
using System.Globalization;
using Microsoft.Playwright;
using Presently.Agent;
using Presently.Agent.Journal;
using Presently.Agent.Uplink;
using Presently.Protocol;
using Presently.Tests.Fixtures;
using static Presently.Tests.Cluster.SharedInstanceTests;

namespace Presently.Tests.Cluster;

/// <summary>
/// The whole cluster as real processes: PostgreSQL, Redis, nginx and two presently-server instances.
/// The agent's uplink (with its journal) connects through nginx; a browser on the other instance sees
/// each change within a second; the agent's instance is SIGKILLed and the agent carries on through the
/// survivor; Redis restarts empty and the boards recover by themselves; a block from the other instance
/// cuts the agent within a second; and the hours add up exactly.
/// </summary>
[Collection(TimingSensitive.Name)]
public sealed class ClusterIntegrationTests(ITestOutputHelper output) : IDisposable
{
    private static readonly TimeSpan BoardDeadline = TimeSpan.FromSeconds(1);
    private readonly TempDirectory _dir = new("presently-cluster-");
    private readonly StringWriter _log = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task Two_instances_behind_nginx_survive_a_killed_instance_and_a_Redis_restart_and_count_exactly()
    {
        await using var db = await (await PostgresServer.Shared()).CreateDatabaseAsync();
        await using var redis = await RedisServer.StartAsync();
        var shared = SharedSettings(db, redis, "--Logging:LogLevel:Default", "Warning");
        await using var first = new ServerProcess(_dir.File("first")) { Settings = shared };
        await first.StartAsync();
        await using var second = new ServerProcess(_dir.File("second")) { Settings = shared, CreateAdmin = false };
        await second.StartAsync();
        await using var nginx = await NginxProxy.StartAsync(first.BaseUri, second.BaseUri);
        await using var browser = await HeadlessBrowser.StartAsync();

        // Work done days ago, replayed by the agent as it would after a long time offline; then live spans.
        var start = DateTimeOffset.UtcNow.AddDays(-3);
        var work = new SyntheticWork(spans: 600, seed: 7, start);
        using var journal = SpanJournal.Open(new JournalOptions(_dir.File("journal")), new AgentLog(_log));
        const string agentId = "cluster-agent";
        var hello = new Hello(ProtocolConstants.Version, agentId, "test", "cluster-host", "Linux", ["test"], 0);
        var uplink = new Uplink(new UplinkOptions(nginx.AgentUri, ServerHost.Token, hello, TimeSpan.FromSeconds(1)), journal,
            () => DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(), new AgentLog(_log));
        using var stop = new CancellationTokenSource();
        var streaming = uplink.RunAsync(stop.Token);
        journal.Append(work.Records);
        await Eventually.Until(() => journal.AckedSeq == work.Records[^1].Seq, TimeSpan.FromSeconds(60), "the replay acknowledged");

        var holder = await HolderAsync(first, second);
        var other = holder == first ? second : first;
        var (page, _) = await browser.NewPageAsync();
        await HeadlessBrowser.SignInAsAdminAsync(page, other.BaseUri);

        var seq = work.Records[^1].Seq;
        var live = DateTimeOffset.UtcNow.AddMinutes(-30).ToUnixTimeMilliseconds();
        async Task<TimeSpan> ShowAsync(IPage on, string app)
        {
            var clock = Stopwatch.StartNew();
            seq++;
            journal.Append([new SpanRecord(seq, seq, live + seq * 1000, live + seq * 1000 + 500, SpanState.Active, app, "live", null)]);
            await WaitForCardAsync(on, app, TimeSpan.FromSeconds(30));
            return clock.Elapsed;
        }

        // 1. A change on the agent's instance reaches the board on the other within a second.
        await ShowAsync(page, "Warm-up");
        for (var i = 1; i <= 3; i++)
        {
            var took = await ShowAsync(page, $"Live {i}");
            output.WriteLine($"change {i}: shown on the other instance after {took.TotalMilliseconds:F0} ms");
            Assert.True(took < BoardDeadline, $"change {i} shown on the other instance after {took.TotalMilliseconds:F0} ms");
        }

        // 2. The agent's instance dies; the agent reconnects through nginx to the survivor, which shows it again.
        await holder.KillAsync();
        var back = await ShowAsync(page, "After the kill");
        Assert.Equal("card active", await page.Locator(".card").GetAttributeAsync("class"));
        output.WriteLine($"after the kill: the agent back on the board in {back.TotalMilliseconds:F0} ms");
        Assert.True(back < TimeSpan.FromSeconds(10), $"back on the board {back.TotalSeconds:F1} s after the kill");
        Assert.Contains("reconnecting", _log.ToString(), StringComparison.Ordinal);

        // 3. The dead instance comes back; Redis restarts empty; a board on each recovers by itself.
        await holder.StartAsync();
        var (onRestarted, _) = await browser.NewPageAsync();
        await HeadlessBrowser.SignInAsAdminAsync(onRestarted, holder.BaseUri);
        await WaitForCardAsync(onRestarted, "After the kill", TimeSpan.FromSeconds(10));
        await redis.StopAsync();
        seq++;
        journal.Append([new SpanRecord(seq, seq, live + seq * 1000, live + seq * 1000 + 500, SpanState.Active, "While Redis was away", "live", null)]);
        await Eventually.Until(() => journal.AckedSeq == seq, TimeSpan.FromSeconds(20), "acknowledged without Redis");
        await redis.StartAgainAsync();
        await WaitForCardAsync(onRestarted, "While Redis was away", TimeSpan.FromSeconds(20));
        var again = await ShowAsync(onRestarted, "After Redis came back");
        output.WriteLine($"after Redis came back: a change shown in {again.TotalMilliseconds:F0} ms");
        Assert.True(again < TimeSpan.FromSeconds(5), $"changes flowing again after {again.TotalMilliseconds:F0} ms");

        // 4. Nothing lost, nothing counted twice.
        var totals = await Reports.PerAppMsAsync(other.Http, start.AddHours(-1), work.End.AddHours(1));
        Assert.Equal(work.TotalsMs.OrderBy(kv => kv.Key), totals.OrderBy(kv => kv.Key));

        // 5. Blocked from the instance that does not hold it: cut within a second.
        var agentHolder = await HolderAsync(first, second);
        var blocker = agentHolder == first ? second : first;
        var clock = Stopwatch.StartNew();
        var blocked = await blocker.Admin.PostFormAsync("/admin/agents", $"/admin/agents/{agentId}/block", []);
        Assert.True(blocked.IsSuccessStatusCode || (int)blocked.StatusCode is 302 or 303, $"block answered {(int)blocked.StatusCode}");
        await Eventually.Until(() => uplink.Status.State == ConnectionState.Refused, TimeSpan.FromSeconds(5), "the agent refused");
        output.WriteLine($"block: agent cut {clock.ElapsedMilliseconds} ms after the request");
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(1.5), $"cut {clock.ElapsedMilliseconds} ms after the block was asked (the request included)");
        await stop.CancelAsync();
        await streaming;
    }

    /// <summary>Which instance holds the agent, from each one's own count of connected agents.</summary>
    private static async Task<ServerProcess> HolderAsync(ServerProcess first, ServerProcess second)
    {
        static async Task<int> ConnectedAsync(ServerProcess server)
        {
            var metrics = await server.Http.GetStringAsync("/metrics");
            var line = metrics.Split('\n').Single(l => l.StartsWith("presently_agents_connected ", StringComparison.Ordinal));
            return (int)double.Parse(line.Split(' ')[1], CultureInfo.InvariantCulture);
        }
        return await Eventually.Until(async () => (await ConnectedAsync(first), await ConnectedAsync(second)), c => c.Item1 + c.Item2 == 1, TimeSpan.FromSeconds(10),
            "one instance holding the agent") is (1, 0) ? first : second;
    }

    private static async Task WaitForCardAsync(IPage page, string app, TimeSpan timeout)
    {
        try
        {
            await page.WaitForFunctionAsync("app => document.querySelector('.card .app')?.textContent === app", app,
                new PageWaitForFunctionOptions { Timeout = (float)timeout.TotalMilliseconds, PollingInterval = 10 });
        }
        catch (TimeoutException)
        {
            throw new TimeoutException($"board never showed {app}; it shows: {await page.Locator("#cards").InnerTextAsync()}");
        }
    }
}
