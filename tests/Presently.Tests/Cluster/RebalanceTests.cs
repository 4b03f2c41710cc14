using System.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Presently.Agent;
using Presently.Agent.Journal;
using Presently.Agent.Uplink;
using Presently.Protocol;
using Presently.Server.Agents;
using Presently.Server.Cluster;
using Presently.Tests.Fixtures;
using static Presently.Tests.Cluster.SharedInstanceTests;

namespace Presently.Tests.Cluster;

/// <summary>
/// Spreading agents: an instance holding more than its share asks the excess to reconnect (close code
/// 4005 with a retry hint), and through nginx's least_conn they land on the instance with room.
/// </summary>
public sealed class RebalanceTests(ITestOutputHelper output) : IDisposable
{
    private readonly TempDirectory _dir = new("presently-rebalance-");

    public void Dispose() => _dir.Dispose();

    [Theory]
    [InlineData(20, new[] { 0 }, 10)]
    [InlineData(11, new[] { 9 }, 0)] // within 20 % of the fair 10
    [InlineData(100, new[] { 50, 50 }, 33)]
    [InlineData(7, new[] { 0 }, 0)] // an excess of 3 is below the minimum of 5
    [InlineData(10, new int[0], 0)] // alone
    [InlineData(0, new[] { 40 }, 0)]
    public void The_excess_is_what_this_instance_holds_over_its_fair_share(int mine, int[] others, int excess) =>
        Assert.Equal(excess, Rebalancer.Excess(mine, others, tolerance: 0.2, minimumExcess: 5));

    [Fact]
    public async Task Agents_on_an_instance_holding_them_all_spread_to_a_new_one_through_nginx_and_lose_nothing()
    {
        await using var db = await (await PostgresServer.Shared()).CreateDatabaseAsync();
        await using var redis = await RedisServer.StartAsync();
        var shared = SharedSettings(db, redis, "--Presently:Redis:HeartbeatInterval", "00:00:00.200", "--Presently:Redis:InstanceTimeout", "00:00:02",
            "--Presently:Rebalance:Interval", "00:00:00.500", "--Presently:Rebalance:Spread", "00:00:01", "--Presently:Rebalance:MinimumExcess", "2");
        await using var a = await ServerHost.StartAsync(null, null, signInAdmin: false, shared);
        var portB = ServerProcess.FreePort();
        await using var nginx = await NginxProxy.StartAsync(a.BaseUri, new Uri($"http://127.0.0.1:{portB}/"));

        // Twenty agents while only A runs: all on A.
        const int count = 20;
        using var stop = new CancellationTokenSource();
        var agents = Enumerable.Range(1, count).Select(i => Agent(nginx.AgentUri, $"spread-{i}")).ToList();
        var running = agents.Select(x => x.Uplink.RunAsync(stop.Token)).ToList();
        var onA = a.Services.GetRequiredService<AgentConnections>();
        await Eventually.Until(() => onA.Count == count, TimeSpan.FromSeconds(20), "every agent on A");

        var clock = Stopwatch.StartNew();
        await using var b = await ServerHost.StartAsync(null, null, signInAdmin: false, [.. shared, "--urls", $"http://127.0.0.1:{portB}"]);
        var onB = b.Services.GetRequiredService<AgentConnections>();
        await Eventually.Until(() => onA.Count is >= 8 and <= 12 && onB.Count is >= 8 and <= 12 && onA.Count + onB.Count == count, TimeSpan.FromSeconds(30),
            $"agents spread (A {onA.Count}, B {onB.Count})");
        output.WriteLine($"spread to A {onA.Count}, B {onB.Count} in {clock.ElapsedMilliseconds} ms after B started");

        // The moved agents were asked, not dropped: they reconnected at once, and everything they record is stored.
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        foreach (var (journal, _, _) in agents) journal.Append([new SpanRecord(1, 1, now - 1000, now, SpanState.Active, "Editor", "x", null)]);
        await Eventually.Until(() => agents.All(x => x.Journal.AckedSeq == 1), TimeSpan.FromSeconds(20), "every agent's span acknowledged");
        var log = string.Concat(agents.Select(x => x.Log.ToString()));
        Assert.Contains($"server closed the connection: {CloseCodes.Rebalance}", log, StringComparison.Ordinal);
        Assert.DoesNotContain("connection to", log, StringComparison.Ordinal); // no failed connection attempts

        await stop.CancelAsync();
        await Task.WhenAll(running);
        foreach (var (journal, _, _) in agents) journal.Dispose();
    }

    private (SpanJournal Journal, Uplink Uplink, StringWriter Log) Agent(Uri server, string agentId)
    {
        var log = new StringWriter();
        var journal = SpanJournal.Open(new JournalOptions(_dir.File(agentId)), new AgentLog(log));
        var hello = new Hello(ProtocolConstants.Version, agentId, "test", agentId, "Linux", ["test"], 0);
        var uplink = new Uplink(new UplinkOptions(server, ServerHost.Token, hello, TimeSpan.FromSeconds(1)), journal,
            () => DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(), new AgentLog(log));
        return (journal, uplink, log);
    }
}
