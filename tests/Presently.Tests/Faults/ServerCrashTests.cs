using Presently.Agent;
using Presently.Agent.Journal;
using Presently.Agent.Uplink;
using Presently.Protocol;
using Presently.Storage.Sqlite;
using Presently.Tests.Fixtures;

namespace Presently.Tests.Faults;

/// <summary>The server is SIGKILLed mid-stream and restarted: the agent resumes and totals are exact.</summary>
public sealed class ServerCrashTests : IDisposable
{
    private readonly TempDirectory _dir = new();
    private readonly StringWriter _log = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task A_killed_server_loses_nothing_acknowledged_and_counts_nothing_twice()
    {
        var start = DateTimeOffset.UtcNow.AddDays(-3);
        var work = new SyntheticWork(spans: 4000, seed: 42, start);
        const string agentId = "crash-agent";
        await using var server = new ServerProcess(_dir.File("server"));
        await server.StartAsync();

        using var journal = SpanJournal.Open(new JournalOptions(_dir.File("journal")), new AgentLog(_log));
        var hello = new Hello(ProtocolConstants.Version, agentId, "test", "host", "Linux", ["test"], 0);
        var uplink = new Uplink(new UplinkOptions(server.AgentUri, ServerHost.Token, hello, TimeSpan.FromSeconds(1)), journal,
            () => DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(), new AgentLog(_log));
        using var stop = new CancellationTokenSource();
        var streaming = uplink.RunAsync(stop.Token);

        // The agent keeps recording while the server dies and comes back, as a real one would.
        var chunks = work.Records.Chunk(200).ToList();
        long ackedBeforeKill = 0;
        for (var i = 0; i < chunks.Count; i++)
        {
            journal.Append(chunks[i]);
            if (i == chunks.Count / 3)
            {
                await Eventually.Until(() => journal.AckedSeq > 0, TimeSpan.FromSeconds(30), "first acknowledgements");
                ackedBeforeKill = journal.AckedSeq;
                await server.KillAsync();
            }
            if (i == chunks.Count * 2 / 3) await server.StartAsync();
        }
        var last = work.Records[^1].Seq;
        await Eventually.Until(() => journal.AckedSeq >= last, TimeSpan.FromSeconds(60), "everything acknowledged after the restart");
        await stop.CancelAsync();
        await streaming;

        Assert.InRange(ackedBeforeKill, 1, last - 1);
        var totals = await Reports.PerAppMsAsync(server.Http, start.AddHours(-1), work.End.AddHours(1));
        Assert.Equal(work.TotalsMs.OrderBy(kv => kv.Key), totals.OrderBy(kv => kv.Key));

        await using var store = new SqliteSpanStore(Path.Combine(server.DataDirectory, "presently.db"));
        await store.InitializeAsync();
        var stored = await store.GetSpansAsync(agentId);
        Assert.Equal(work.SpanIds.Count, stored.Count);
        Assert.Equal(work.SpanIds.Order(), stored.Select(s => s.SpanId).Order());
        Assert.Contains("reconnecting", _log.ToString());
    }
}
