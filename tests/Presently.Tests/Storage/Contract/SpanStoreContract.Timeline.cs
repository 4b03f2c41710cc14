using Presently.Protocol;
using Presently.Storage;
using Presently.Storage.Ingest;

namespace Presently.Tests.Storage.Contract;

/// <summary>A person's spans for a timeline: every computer of theirs, whole spans that reach into the period, nobody else's.</summary>
public abstract partial class SpanStoreContract
{
    [Fact]
    public async Task A_persons_spans_of_a_period_come_from_every_computer_of_theirs_whole_and_in_start_order()
    {
        await RegisterAsync("laptop", "ann", "h1");
        await RegisterAsync("desktop", "ann", "h2");
        await RegisterAsync("other", "bob", "h3");
        var t0 = new DateTimeOffset(2026, 11, 30, 8, 0, 0, TimeSpan.Zero).ToUnixTimeMilliseconds();
        const long Minute = 60_000;
        await Store.CommitAsync([
            // Stored in three parts (2 h 30 m); reaches into the period from before it.
            new IngestBatch("laptop", [
                new SpanRecord(1, 1, t0, t0 + 150 * Minute, SpanState.Active, "code", "report.cs", SpanContext.Of(("project", "presently"))),
                new SpanRecord(2, 2, t0 + 150 * Minute, t0 + 160 * Minute, SpanState.Idle, null, null, null),
                new SpanRecord(3, 3, t0 + 300 * Minute, t0 + 310 * Minute, SpanState.Active, "firefox", "later", null)]),
            new IngestBatch("desktop", [new SpanRecord(1, 1, t0 + 120 * Minute, t0 + 140 * Minute, SpanState.Active, "slack", "#web", null)]),
            new IngestBatch("other", [new SpanRecord(1, 1, t0 + 130 * Minute, t0 + 140 * Minute, SpanState.Active, "zoom", "bob's", null)]),
        ]);

        var from = DateTimeOffset.FromUnixTimeMilliseconds(t0 + 130 * Minute);
        var to = DateTimeOffset.FromUnixTimeMilliseconds(t0 + 200 * Minute);
        var spans = await Store.GetPersonSpansAsync("ann", from, to, maxSpans: 100);

        Assert.Equal(["desktop/1", "laptop/1", "laptop/2"], spans.Select(s => $"{s.AgentId}/{s.SpanId}"));
        var long1 = spans.Single(s => s.AgentId == "laptop" && s.SpanId == 1);
        // The parts that reach into the period, joined: from the part starting at 10:00 to the span's end.
        Assert.Equal(t0 + 150 * Minute, long1.End.ToUnixTimeMilliseconds());
        Assert.True(long1.Start.ToUnixTimeMilliseconds() <= from.ToUnixTimeMilliseconds());
        Assert.Equal(("code", "report.cs", "presently"), (long1.App, long1.Title, long1.Context?["project"]));
        Assert.Equal(SpanState.Idle, spans.Single(s => s.SpanId == 2).State);

        Assert.Single(await Store.GetPersonSpansAsync("ann", from, to, maxSpans: 1));
        Assert.Empty(await Store.GetPersonSpansAsync("nobody", from, to, maxSpans: 100));
        Assert.Equal(["other/1"], (await Store.GetPersonSpansAsync("bob", from, to, maxSpans: 100)).Select(s => $"{s.AgentId}/{s.SpanId}"));
    }
}
