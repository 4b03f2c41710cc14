using System.Net.WebSockets;
using Presently.Fuzz;
using Presently.Protocol;
using Presently.Tests.Fixtures;

namespace Presently.Tests.Fuzz;

/// <summary>
/// Each fuzz target for a few seconds with a fixed seed (reproducible); longer runs with other
/// seeds: `dotnet run -c Release --project bench/Presently.Fuzz -- --seconds 300 --seed N`.
/// </summary>
public sealed class FuzzTests : IDisposable
{
    private static readonly TimeSpan Budget = TimeSpan.FromSeconds(3);
    // One input may make the code under test allocate at most this much: every input has a size
    // bound (a frame 64 KiB, a config file 1 MiB, a journal segment 1 MiB here), so more means a
    // bound was skipped.
    private const long PerInputAllocationBound = 32L * 1024 * 1024;
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    private static void AssertClean(FuzzResult result, long minimumInputs)
    {
        TestContext.Current.TestOutputHelper?.WriteLine(result.ToString());
        Assert.Empty(result.Failures);
        Assert.True(result.Inputs >= minimumInputs, $"only {result.Inputs} inputs in {Budget}");
        Assert.True(result.LargestInputAllocation is not > PerInputAllocationBound, $"one input allocated {result.LargestInputAllocation} bytes");
    }

    [Fact]
    public void Frame_decoder_and_ingest_validator_survive_mutated_frames() => AssertClean(FrameFuzz.Run(seed: 2026, Budget), 10_000);

    [Fact]
    public void Journal_recovery_survives_corrupted_files() => AssertClean(JournalFuzz.Run(seed: 2026, Budget, _dir.Path), 10);

    [Fact]
    public void Config_loader_survives_mutated_files() => AssertClean(ConfigFuzz.Run(seed: 2026, Budget, _dir.Path), 100);

    [Fact]
    public void Random_Hello_and_SpanBatch_semantics_keep_stored_spans_true() => AssertClean(IngestFuzz.Run(seed: 2026, TimeSpan.FromSeconds(5), _dir.Path), 100);

    [Fact]
    public async Task The_server_keeps_serving_and_stores_only_valid_spans_under_mutated_frames()
    {
        await using var server = await ServerHost.StartAsync();
        var m = new Mutator(7);
        var now = DateTimeOffset.UtcNow;
        var seeds = Enumerable.Range(0, 32).Select(_ => FrameCodec.Encode(FrameFuzz.ValidMessage(m, now))).ToArray();
        var sent = 0;
        for (var connection = 0; connection < 40; connection++)
        {
            var (agent, _) = await TestAgentClient.JoinAsync(server.AgentUri, $"fuzz-{connection % 4}");
            await using var _a = agent;
            try
            {
                for (var i = 0; i < 50 && agent.Socket.State == WebSocketState.Open; i++, sent++)
                    await agent.SendRawAsync(m.Mutate(seeds[m.Random.Next(seeds.Length)], seeds[m.Random.Next(seeds.Length)]));
            }
            catch (WebSocketException)
            {
                // The server closed this connection on a malformed frame, as documented.
            }
        }
        Assert.True(sent > 200);

        // Still serving: a well-behaved agent is acknowledged, and health is fine.
        var (good, _) = await TestAgentClient.JoinAsync(server.AgentUri, "fuzz-good");
        await using var _g = good;
        var t = DateTimeOffset.UtcNow.AddMinutes(-1).ToUnixTimeMilliseconds();
        await good.SendAsync(new SpanBatch([new SpanRecord(1, 1, t, t + 1000, SpanState.Active, "ok", null, null)]));
        Assert.IsType<Ack>(await good.ReceiveAsync());

        for (var a = 0; a < 4; a++)
        {
            var stored = await server.Store.GetSpansAsync($"fuzz-{a}");
            var batch = new SpanBatch([.. stored.Select(s => new SpanRecord(s.Seq, s.SpanId, s.Start.ToUnixTimeMilliseconds(), s.End.ToUnixTimeMilliseconds(), s.State, s.App, s.Title, s.Context))]);
            Assert.Null(FrameFuzz.Invalid(batch, DateTimeOffset.UtcNow));
        }
    }
}
