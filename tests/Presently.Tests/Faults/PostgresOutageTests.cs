using System.Net;
using Presently.Protocol;
using Presently.Tests.Fixtures;

namespace Presently.Tests.Faults;

/// <summary>
/// The server on a real PostgreSQL that stops and starts again while an agent streams: the server
/// says it is not ready, keeps the agent connected, acknowledges nothing it did not store, and
/// recovers by itself with totals exact.
/// </summary>
public sealed class PostgresOutageTests
{
    [Fact]
    public async Task PostgreSQL_stopping_and_starting_during_a_stream_loses_nothing_and_acknowledges_nothing_early()
    {
        // A cluster of this test's own: stopping the shared one would fail other tests' databases.
        await using var pg = await PostgresServer.StartNewAsync();
        await using var db = await pg.CreateDatabaseAsync();
        await using var server = await ServerHost.StartAsync(null, null, signInAdmin: true,
            "--Presently:Storage:Provider", "Postgres", "--Presently:Storage:PostgresConnectionString", db.ConnectionString,
            "--Presently:Monitoring:AllowedNetworks:0", "127.0.0.1");
        Assert.Equal("ready", await server.Http.GetStringAsync("/readyz"));

        var start = DateTimeOffset.UtcNow.AddHours(-6);
        var work = new SyntheticWork(spans: 300, seed: 11, start, ["pg-a", "pg-b", "pg-c"]);
        var records = work.Records;
        var (client, welcome) = await TestAgentClient.JoinAsync(server.AgentUri, "pg-agent");
        await using var _ = client;
        Assert.Equal(0, welcome.HighestStoredSeq);
        var third = records.Count / 3;
        Assert.InRange(third, 50, ProtocolConstants.MaxSpansPerBatch);

        await SendAsync(client, records[..third]);
        var first = await client.ReceiveAsync();
        Assert.True(first is Ack, $"expected an ack, got {first}");
        Assert.Equal(records[third - 1].Seq, ((Ack)first!).Seq);

        await pg.StopAsync();
        await client.SendAsync(new SpanBatch([.. records[third..(2 * third)]]));
        var acked = client.ReceiveAsync();
        // Ingest has tried to commit and failed: the server says so, and the agent has been told nothing.
        await Eventually.Until(async () => await ReadinessAsync(server), r => r.Status == HttpStatusCode.ServiceUnavailable && r.Body.Contains("storing failed", StringComparison.Ordinal),
            TimeSpan.FromSeconds(8), "readiness to report the failing store");
        Assert.False(acked.IsCompleted, "an ack arrived while PostgreSQL was down");

        await pg.StartAsync();
        // The same connection: the batch that waited is stored and acknowledged once PostgreSQL is back.
        Assert.Equal(records[2 * third - 1].Seq, Assert.IsType<Ack>(await acked).Seq);
        await Eventually.Until(async () => await ReadinessAsync(server), r => r.Status == HttpStatusCode.OK, TimeSpan.FromSeconds(10), "readiness to come back");

        await SendAsync(client, records[(2 * third)..]);
        Assert.Equal(records[^1].Seq, Assert.IsType<Ack>(await client.ReceiveAsync()).Seq);

        var totals = await Reports.PerAppMsAsync(server.Http, start.AddHours(-1), work.End.AddHours(1));
        Assert.Equal(work.TotalsMs.OrderBy(kv => kv.Key), totals.OrderBy(kv => kv.Key));
        Assert.Equal(work.SpanIds.Count, (await server.Store.GetSpansAsync("pg-agent")).Count);
    }

    private static async Task SendAsync(TestAgentClient client, List<SpanRecord> records) =>
        await client.SendAsync(new SpanBatch([.. records]));

    // Without a session, from a network the setting allows: a signed-in request checks its session in the store, which is the thing that is down.
    private static async Task<(HttpStatusCode Status, string Body)> ReadinessAsync(ServerHost server)
    {
        using var anonymous = new HttpClient { BaseAddress = server.BaseUri };
        using var response = await anonymous.GetAsync("/readyz");
        return (response.StatusCode, await response.Content.ReadAsStringAsync());
    }
}
