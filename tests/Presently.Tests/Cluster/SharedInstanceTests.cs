using System.Diagnostics;
using System.Net;
using System.Net.WebSockets;
using Microsoft.Extensions.DependencyInjection;
using Presently.Protocol;
using Presently.Server.Admin;
using Presently.Tests.Fixtures;

namespace Presently.Tests.Cluster;

/// <summary>
/// Two server instances on one PostgreSQL and one Redis (real ones, started by the fixtures): a sign-in
/// made on one is good on the other (shared data-protection keys), and blocking or removing an agent on
/// either closes its connection on the one that holds it within a second.
/// </summary>
public sealed class SharedInstanceTests
{
    [Fact]
    public async Task A_sign_in_works_on_both_instances_and_block_or_remove_on_one_cuts_the_agent_on_the_other_within_a_second()
    {
        await using var db = await (await PostgresServer.Shared()).CreateDatabaseAsync();
        await using var redis = await RedisServer.StartAsync();
        var shared = SharedSettings(db, redis);
        await using var a = await ServerHost.StartAsync(null, null, signInAdmin: true, shared);
        await using var b = await ServerHost.StartAsync(null, null, signInAdmin: false, shared);

        // The admin's cookie from instance A, presented to instance B (cookies are per host, not per port).
        using var onB = new HttpClient(new HttpClientHandler { CookieContainer = a.Admin.Cookies, AllowAutoRedirect = false }) { BaseAddress = b.BaseUri };
        var account = await onB.GetAsync("/account");
        Assert.True(account.StatusCode == HttpStatusCode.OK, $"B answered {(int)account.StatusCode} {account.Headers.Location}");

        // Blocked on B while connected to A.
        var (blocked, blockedToken) = await a.EnrollAsync("ann", "laptop");
        await using var annOnA = await JoinAsync(a, blocked, blockedToken);
        var clock = Stopwatch.StartNew();
        Assert.True(await b.Services.GetRequiredService<AgentAdmin>().BlockAsync("admin", blocked));
        Assert.Null(await annOnA.ReceiveAsync());
        Assert.Equal((WebSocketCloseStatus)CloseCodes.Blocked, annOnA.Socket.CloseStatus);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(1), $"closed after {clock.ElapsedMilliseconds} ms");

        // Removed on A while connected to B.
        var (removed, removedToken) = await b.EnrollAsync("bob", "desktop");
        await using var bobOnB = await JoinAsync(b, removed, removedToken);
        clock.Restart();
        Assert.True(await a.Services.GetRequiredService<AgentAdmin>().RemoveAsync("admin", removed, deleteData: false));
        Assert.Null(await bobOnB.ReceiveAsync());
        Assert.Equal((WebSocketCloseStatus)CloseCodes.Removed, bobOnB.Socket.CloseStatus);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(1), $"closed after {clock.ElapsedMilliseconds} ms");
    }

    [Fact]
    public async Task An_agent_that_reconnects_to_the_other_instance_makes_the_first_let_go()
    {
        await using var db = await (await PostgresServer.Shared()).CreateDatabaseAsync();
        await using var redis = await RedisServer.StartAsync();
        var shared = SharedSettings(db, redis);
        await using var a = await ServerHost.StartAsync(null, null, signInAdmin: false, shared);
        await using var b = await ServerHost.StartAsync(null, null, signInAdmin: false, shared);

        var (agentId, token) = await a.EnrollAsync("cleo", "laptop");
        await using var onA = await JoinAsync(a, agentId, token);
        var clock = Stopwatch.StartNew();
        await using var onB = await JoinAsync(b, agentId, token);
        Assert.Null(await onA.ReceiveAsync());
        Assert.Equal((WebSocketCloseStatus)CloseCodes.Replaced, onA.Socket.CloseStatus);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(1), $"A let go after {clock.ElapsedMilliseconds} ms");
        // The new connection stays and is served.
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        await onB.SendAsync(new SpanBatch([new SpanRecord(1, 1, now - 1000, now, SpanState.Active, "Editor", "x", null)]));
        Assert.Equal(1, Assert.IsType<Ack>(await onB.ReceiveAsync()).Seq);
    }

    /// <summary>What every instance of a cluster test is started with: one PostgreSQL database and one Redis.</summary>
    internal static string[] SharedSettings(PostgresDatabase db, RedisServer redis, params string[] more) =>
        ["--Presently:Storage:Provider", "Postgres", "--Presently:Storage:PostgresConnectionString", db.ConnectionString,
            "--Presently:Redis:Configuration", redis.Configuration, .. more];

    internal static Task<TestAgentClient> JoinAsync(ServerHost server, string agentId, string token) => JoinAsync(server.AgentUri, agentId, token);

    /// <summary>An agent connected and welcomed at <paramref name="agentUri"/> (an instance, or the proxy in front of them).</summary>
    internal static async Task<TestAgentClient> JoinAsync(Uri agentUri, string agentId, string token)
    {
        var client = await TestAgentClient.ConnectAsync(agentUri, token);
        await client.SendAsync(TestAgentClient.NewHello(agentId));
        Assert.IsType<Welcome>(await client.ReceiveAsync());
        return client;
    }
}
