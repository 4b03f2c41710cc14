using Presently.Protocol;
using Presently.Tests.Fixtures;

namespace Presently.Tests.Server;

/// <summary>
/// Property: however a record stream is cut into batches, replayed, reordered between connections
/// and reconnected, the stored totals equal the ground truth, and exactly the batches that go back
/// in sequence are refused. Fixed seeds, real server and socket.
/// </summary>
public sealed class ExactlyOnceTests : IAsyncLifetime
{
    private ServerHost _server = null!;

    public async ValueTask InitializeAsync() => _server = await ServerHost.StartAsync();

    public async ValueTask DisposeAsync() => await _server.DisposeAsync();

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    public async Task Any_batching_replay_and_reconnect_order_gives_identical_totals(int seed)
    {
        var start = DateTimeOffset.UtcNow.AddDays(-2).AddMinutes(seed);
        var work = new SyntheticWork(spans: 300, seed, start, [$"app{seed}a", $"app{seed}b", $"app{seed}c"]);
        var random = new Random(seed);
        var agentId = $"prop-agent-{seed}";
        var records = work.Records;

        // Several connections; each replays an arbitrary earlier prefix, then sends ahead in random batch sizes,
        // sometimes twice, sometimes with an older batch resent after a newer one.
        var position = 0;
        while (position < records.Count)
        {
            var (client, welcome) = await TestAgentClient.JoinAsync(_server.AgentUri, agentId);
            await using var _ = client;
            var replayFrom = random.Next(0, position + 1);
            var until = Math.Min(records.Count, position + random.Next(1, 400));
            var sentBatches = new List<SpanRecord[]>();
            for (var i = replayFrom; i < until;)
            {
                var size = random.Next(1, 60);
                var batch = records.Skip(i).Take(Math.Min(size, until - i)).ToArray();
                sentBatches.Add(batch);
                i += batch.Length;
            }
            if (sentBatches.Count > 1 && random.Next(2) == 0) sentBatches.Add(sentBatches[random.Next(sentBatches.Count - 1)]);
            if (random.Next(3) == 0) sentBatches.Add(sentBatches[^1]);
            // A batch is acknowledged when it goes past everything this connection already had (its
            // leading replays skipped); one of nothing but replays is refused and changes nothing.
            var (acks, refusals, receivedThrough) = (0, 0, welcome.HighestStoredSeq);
            foreach (var batch in sentBatches)
            {
                await client.SendAsync(new SpanBatch(batch));
                if (batch[^1].Seq > receivedThrough)
                {
                    acks++;
                    receivedThrough = batch[^1].Seq;
                }
                else refusals++;
            }
            var answers = new List<IMessage>();
            for (var i = 0; i < sentBatches.Count; i++) answers.Add((await client.ReceiveAsync())!);
            Assert.Equal(acks, answers.Count(a => a is Ack));
            Assert.Equal(refusals, answers.Count(a => a is ErrorMessage { Code: ErrorCodes.InvalidSpan }));
            Assert.True(welcome.HighestStoredSeq <= records[Math.Max(0, position - 1)].Seq || position == 0);
            position = until;
        }

        var totals = await Reports.PerAppMsAsync(_server.Http, start.AddHours(-1), work.End.AddHours(1));
        Assert.Equal(work.TotalsMs.OrderBy(kv => kv.Key), totals.Where(kv => kv.Key.StartsWith($"app{seed}", StringComparison.Ordinal)).OrderBy(kv => kv.Key));
        Assert.Equal(work.SpanIds.Count, (await _server.Store.GetSpansAsync(agentId)).Count);
    }
}
