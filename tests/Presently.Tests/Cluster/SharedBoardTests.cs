using System.Diagnostics;
using System.Net;
using System.Net.WebSockets;
using Presently.Protocol;
using Presently.Server.Cluster;
using Presently.Tests.Fixtures;
using StackExchange.Redis;
using static Presently.Tests.Cluster.SharedInstanceTests;

namespace Presently.Tests.Cluster;

/// <summary>
/// The live board shared through Redis (real PostgreSQL and Redis, two in-process instances): a board
/// on one instance shows what an agent on the other does within a second; an instance that stops
/// beating is taken for gone and its agents go offline; after Redis restarts empty, the board recovers
/// by itself.
/// </summary>
public sealed class SharedBoardTests
{
    // Short beats, so that "gone" and recovery take a second or two, not ten.
    private static readonly string[] FastBeats = ["--Presently:Redis:HeartbeatInterval", "00:00:00.200", "--Presently:Redis:InstanceTimeout", "00:00:01"];

    [Fact]
    public async Task A_board_on_one_instance_shows_each_change_of_an_agent_on_the_other_within_a_second()
    {
        await using var db = await (await PostgresServer.Shared()).CreateDatabaseAsync();
        await using var redis = await RedisServer.StartAsync();
        await using var a = await ServerHost.StartAsync(null, null, signInAdmin: true, SharedSettings(db, redis));
        await using var b = await ServerHost.StartAsync(null, null, signInAdmin: false, SharedSettings(db, redis));
        using var adminOnB = await WebSession.SignInAsync(b.BaseUri, ServerHost.AdminName, ServerHost.AdminPassword);
        using var board = await adminOnB.OpenBoardAsync();
        await BoardText.ReceiveAsync(board);

        var (agentId, token) = await a.EnrollAsync("dana", "laptop");
        await using var agent = await JoinAsync(a, agentId, token);
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        for (var i = 1; i <= 3; i++)
        {
            var clock = Stopwatch.StartNew();
            await agent.SendAsync(new SpanBatch([new SpanRecord(i, i, now + i, now + i + 1, SpanState.Active, $"App number {i}", "x", null)]));
            Assert.Equal(i, Assert.IsType<Ack>(await agent.ReceiveAsync()).Seq);
            await ReceiveUntilAsync(board, $"App number {i}");
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(1), $"change {i} shown on the other instance after {clock.ElapsedMilliseconds} ms");
        }

        // Leaving shows too, and the page (not only the socket) agrees.
        await agent.Socket.CloseAsync(WebSocketCloseStatus.NormalClosure, "bye", CancellationToken.None);
        await ReceiveUntilAsync(board, "card offline");
        Assert.Contains("card offline", await adminOnB.Http.GetStringAsync("/"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_instance_that_stops_beating_is_taken_for_gone_and_its_agents_show_offline()
    {
        await using var db = await (await PostgresServer.Shared()).CreateDatabaseAsync();
        await using var redis = await RedisServer.StartAsync();
        await using var a = await ServerHost.StartAsync(null, null, signInAdmin: true, SharedSettings(db, redis, FastBeats));
        var (agentId, _) = await a.EnrollAsync("eve", "desktop");

        // An instance that holds eve's agent and then dies without a word: its beat, its connection record and its announcement, as it would have written them.
        await using var ghost = await ConnectionMultiplexer.ConnectAsync(redis.Configuration);
        var session = Guid.NewGuid();
        var beatAt = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        await ghost.GetDatabase().HashSetAsync("presently:instances", "ghost", $"{beatAt} 1 ingest");
        await ghost.GetDatabase().HashSetAsync("presently:live:connections", agentId,
            LiveOpCodec.Write(new Presently.Server.Live.LiveConnection(agentId, session, "ghost", "eve", "desktop", "linux", 0)));
        await ghost.GetSubscriber().PublishAsync(RedisChannel.Literal("presently:live"),
            LiveOpCodec.Write(new LiveOp(LiveOpKind.Connected, agentId, session, "ghost", "eve", "desktop", "linux")));
        await Eventually.Until(() => a.Http.GetStringAsync("/"), html => html.Contains("card active", StringComparison.Ordinal), TimeSpan.FromSeconds(5), "eve shown connected");

        var html = await Eventually.Until(() => a.Http.GetStringAsync("/"), html => html.Contains("card offline", StringComparison.Ordinal), TimeSpan.FromSeconds(5), "eve shown offline once the ghost's beat is a second old");
        Assert.DoesNotContain("card active", html, StringComparison.Ordinal);
        Assert.False(await ghost.GetDatabase().HashExistsAsync("presently:instances", "ghost"));
        Assert.False(await ghost.GetDatabase().HashExistsAsync("presently:live:connections", agentId));
    }

    [Fact]
    public async Task After_Redis_restarts_empty_the_boards_recover_by_themselves_and_readiness_says_what_was_wrong()
    {
        await using var db = await (await PostgresServer.Shared()).CreateDatabaseAsync();
        await using var redis = await RedisServer.StartAsync();
        await using var a = await ServerHost.StartAsync(null, null, signInAdmin: true, SharedSettings(db, redis, FastBeats));
        await using var b = await ServerHost.StartAsync(null, null, signInAdmin: false, SharedSettings(db, redis, FastBeats));
        using var adminOnB = await WebSession.SignInAsync(b.BaseUri, ServerHost.AdminName, ServerHost.AdminPassword);

        var (agentId, token) = await a.EnrollAsync("finn", "laptop");
        await using var agent = await JoinAsync(a, agentId, token);
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        await agent.SendAsync(new SpanBatch([new SpanRecord(1, 1, now, now + 1, SpanState.Active, "Before the outage", "x", null)]));
        Assert.Equal(1, Assert.IsType<Ack>(await agent.ReceiveAsync()).Seq);
        await Eventually.Until(() => adminOnB.Http.GetStringAsync("/"), html => html.Contains("Before the outage", StringComparison.Ordinal), TimeSpan.FromSeconds(5), "B showing the agent");

        await redis.StopAsync();
        var ready = await Eventually.Until(() => a.Http.GetAsync("/readyz"), r => r.StatusCode == HttpStatusCode.ServiceUnavailable, TimeSpan.FromSeconds(10), "A not ready without Redis");
        Assert.Equal("not ready: Redis cannot be reached", await ready.Content.ReadAsStringAsync());
        // Ingest does not need Redis: the agent stays connected, and what is stored is acknowledged.
        await agent.SendAsync(new SpanBatch([new SpanRecord(2, 2, now + 2, now + 3, SpanState.Active, "During the outage", "x", null)]));
        Assert.Equal(2, Assert.IsType<Ack>(await agent.ReceiveAsync()).Seq);

        await redis.StartAgainAsync();
        await Eventually.Until(() => a.Http.GetAsync("/readyz"), r => r.StatusCode == HttpStatusCode.OK, TimeSpan.FromSeconds(20), "A ready again");
        // The span comes from the store and the connection from A's re-announcement, which may come later.
        await Eventually.Until(() => adminOnB.Http.GetStringAsync("/"),
            html => html.Contains("During the outage", StringComparison.Ordinal) && html.Contains("card active", StringComparison.Ordinal), TimeSpan.FromSeconds(20),
            "B showing what the agent did while Redis was away, connected");
        // And changes flow again.
        await agent.SendAsync(new SpanBatch([new SpanRecord(3, 3, now + 4, now + 5, SpanState.Active, "After the outage", "x", null)]));
        Assert.Equal(3, Assert.IsType<Ack>(await agent.ReceiveAsync()).Seq);
        await Eventually.Until(() => adminOnB.Http.GetStringAsync("/"), html => html.Contains("After the outage", StringComparison.Ordinal), TimeSpan.FromSeconds(5), "B showing changes again");
    }

    [Fact]
    public async Task Ingest_and_web_instances_split_the_work_and_the_web_board_shows_the_agents_on_ingest()
    {
        await using var db = await (await PostgresServer.Shared()).CreateDatabaseAsync();
        await using var redis = await RedisServer.StartAsync();
        await using var web = await ServerHost.StartAsync(null, null, signInAdmin: true, SharedSettings(db, redis, "--Presently:Role", "web"));
        await using var ingest = await ServerHost.StartAsync(null, null, signInAdmin: false, SharedSettings(db, redis, "--Presently:Role", "ingest"));

        // Each serves its part only.
        using var anonymous = new HttpClient();
        Assert.Equal(HttpStatusCode.NotFound, (await anonymous.GetAsync(new Uri(ingest.BaseUri, "/login"))).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await anonymous.GetAsync(new Uri(web.BaseUri, "/agent/v1"))).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await anonymous.PostAsync(new Uri(web.BaseUri, "/api/v1/enroll"), new StringContent("{}"))).StatusCode);
        Assert.Equal("ok", await anonymous.GetStringAsync(new Uri(ingest.BaseUri, "/healthz")));

        var (agentId, token) = await ingest.EnrollAsync("gus", "laptop");
        await using var agent = await JoinAsync(ingest, agentId, token);
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        await agent.SendAsync(new SpanBatch([new SpanRecord(1, 1, now, now + 1, SpanState.Active, "Spreadsheet", "budget", null)]));
        Assert.Equal(1, Assert.IsType<Ack>(await agent.ReceiveAsync()).Seq);
        await Eventually.Until(() => web.Http.GetStringAsync("/"), html => html.Contains("Spreadsheet", StringComparison.Ordinal), TimeSpan.FromSeconds(5), "the web board showing gus");
        // Reports on web read what ingest stored.
        Assert.Contains("Spreadsheet", await web.Http.GetStringAsync("/reports?range=today&by=app"), StringComparison.Ordinal);
    }

    private static async Task ReceiveUntilAsync(WebSocket board, string text)
    {
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        while (!(await BoardText.ReceiveAsync(board)).Contains(text, StringComparison.Ordinal))
            deadline.Token.ThrowIfCancellationRequested();
    }
}
