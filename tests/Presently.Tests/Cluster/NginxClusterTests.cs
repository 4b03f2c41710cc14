using System.Diagnostics;
using System.Net;
using System.Net.WebSockets;
using Microsoft.Extensions.DependencyInjection;
using Presently.Protocol;
using Presently.Server.Admin;
using Presently.Server.Agents;
using Presently.Tests.Fixtures;

namespace Presently.Tests.Cluster;

/// <summary>
/// nginx (least_conn, no sticky sessions) in front of two instances on one PostgreSQL and one Redis,
/// all real: agents spread over both instances, a browser session works whichever instance answers
/// each request, and an admin's block reaches an agent through the proxy on whichever instance holds it.
/// </summary>
public sealed class NginxClusterTests
{
    [Fact]
    public async Task Agents_spread_over_both_instances_and_a_session_and_a_block_work_through_the_proxy()
    {
        await using var db = await (await PostgresServer.Shared()).CreateDatabaseAsync();
        await using var redis = await RedisServer.StartAsync();
        var shared = SharedInstanceTests.SharedSettings(db, redis, "--Presently:KnownProxies:0", "127.0.0.1");
        await using var a = await ServerHost.StartAsync(null, null, signInAdmin: false, shared);
        await using var b = await ServerHost.StartAsync(null, null, signInAdmin: false, shared);
        await using var nginx = await NginxProxy.StartAsync(a.BaseUri, b.BaseUri);

        // Ten agents through the proxy: least_conn gives each instance its share of long-lived sockets.
        var agents = new List<(string Id, TestAgentClient Client)>();
        try
        {
            for (var i = 0; i < 10; i++)
            {
                var (id, token) = await a.EnrollAsync($"person-{i}", $"host-{i}");
                agents.Add((id, await SharedInstanceTests.JoinAsync(nginx.AgentUri, id, token)));
            }
            var onA = a.Services.GetRequiredService<AgentConnections>().Count;
            var onB = b.Services.GetRequiredService<AgentConnections>().Count;
            Assert.Equal(10, onA + onB);
            Assert.InRange(onA, 3, 7);

            // A session made through the proxy is good on both instances: every request succeeds whichever answers it.
            await a.SignInAsync("carol", Presently.Storage.Role.Admin, "admin-password-123");
            using var session = await WebSession.SignInAsync(nginx.BaseUri, "carol", "admin-password-123");
            for (var r = 0; r < 8; r++)
            {
                var page = await session.Http.GetAsync("/account");
                Assert.True(page.StatusCode == HttpStatusCode.OK, $"request {r}: {(int)page.StatusCode} {page.Headers.Location}");
            }

            // Blocked through the proxy (the admin page's form goes to either instance): the agent is cut wherever it is.
            var (blocked, client0) = agents[0];
            var clock = Stopwatch.StartNew();
            Assert.True(await b.Services.GetRequiredService<AgentAdmin>().BlockAsync("carol", blocked));
            Assert.Null(await client0.ReceiveAsync());
            Assert.Equal((WebSocketCloseStatus)CloseCodes.Blocked, client0.Socket.CloseStatus);
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(1), $"closed after {clock.ElapsedMilliseconds} ms");

            // The others keep being served through the proxy.
            var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
            foreach (var (_, client) in agents.Skip(1))
            {
                await client.SendAsync(new SpanBatch([new SpanRecord(1, 1, now - 1000, now, SpanState.Active, "Editor", "x", null)]));
                Assert.Equal(1, Assert.IsType<Ack>(await client.ReceiveAsync()).Seq);
            }
        }
        finally
        {
            foreach (var (_, client) in agents) await client.DisposeAsync();
        }
    }
}
