using Presently.Agent.Uplink;
using Presently.Protocol;

namespace Presently.Tests.Agent;

public class PendingQueueTests
{
    private static SpanRecord R(long seq, long span, string? title = "t") => new(seq, span, 0, seq, SpanState.Active, "app", title, null);

    [Fact]
    public void A_newer_version_of_a_span_replaces_the_unacknowledged_one()
    {
        var q = new PendingQueue();
        q.Add(R(1, 1));
        q.Add(R(2, 2));
        q.Add(R(3, 1));
        Assert.Equal([2L, 3L], q.Take(0, 100, 60_000).Select(r => r.Seq));
    }

    [Fact]
    public void Acknowledge_trims_through_the_seq()
    {
        var q = new PendingQueue();
        for (var i = 1; i <= 5; i++) q.Add(R(i, i));
        q.Acknowledge(3);
        Assert.Equal([4L, 5L], q.Take(0, 100, 60_000).Select(r => r.Seq));
        Assert.Equal([5L], q.Take(4, 100, 60_000).Select(r => r.Seq));
    }

    [Fact]
    public void Batches_respect_count_and_byte_limits()
    {
        var q = new PendingQueue();
        for (var i = 1; i <= 50; i++) q.Add(R(i, i, new string('x', 1000)));
        Assert.Equal(10, q.Take(0, 10, 60_000).Count);
        var byBytes = q.Take(0, 100, 16_000);
        Assert.InRange(byBytes.Count, 1, 5);
        Assert.True(FrameCodec.Encode(new SpanBatch([.. byBytes])).Length <= 16_000);
    }
}
