using Presently.Storage.Reports;

namespace Presently.Tests.Storage;

public sealed class ForegroundDeviceTests
{
    private static List<(string Payload, long Start, long End, bool Counted)> Split(params (string Agent, long SpanStart, long Start, long End)[] spans) =>
        [.. ForegroundDevice.Split(spans.Select(s => new DeviceSpan<string>(s.Agent, s.SpanStart, s.Start, s.End, $"{s.Agent}@{s.SpanStart}")).ToList())
            .Select(p => (p.Payload, p.StartMs, p.EndMs, p.Counted))
            .OrderBy(p => p.StartMs).ThenBy(p => p.Payload, StringComparer.Ordinal)];

    [Fact]
    public void The_span_that_started_last_holds_the_shared_time_and_the_other_gets_it_back_after()
    {
        // Desktop active 0–100; the laptop is picked up at 30 and put down at 60.
        Assert.Equal(
            [("desk@0", 0, 30, true), ("desk@0", 30, 60, false), ("lap@30", 30, 60, true), ("desk@0", 60, 100, true)],
            Split(("desk", 0, 0, 100), ("lap", 30, 30, 60)));
    }

    [Fact]
    public void Counted_time_is_the_union_of_the_spans_never_more()
    {
        var random = new Random(5);
        for (var round = 0; round < 200; round++)
        {
            var spans = new List<(string, long, long, long)>();
            foreach (var agent in new[] { "a", "b", "c" })
            {
                var t = (long)random.Next(50);
                for (var i = 0; i < 8; i++)
                {
                    var start = t + random.Next(20);
                    var end = start + random.Next(1, 40);
                    spans.Add((agent, start - random.Next(3), start, end));
                    t = end;
                }
            }
            var pieces = Split([.. spans]);
            var counted = pieces.Where(p => p.Counted).ToList();
            var union = new HashSet<long>(spans.SelectMany(s => Enumerable.Range((int)s.Item3, (int)(s.Item4 - s.Item3)).Select(x => (long)x)));
            var countedInstants = counted.SelectMany(p => Enumerable.Range((int)p.Start, (int)(p.End - p.Start)).Select(x => (long)x)).ToList();
            Assert.Equal(union.Count, countedInstants.Count);
            Assert.Equal(union.Order(), countedInstants.Order());
            // Every input's time is there once, counted or not.
            Assert.Equal(spans.Sum(s => s.Item4 - s.Item3), pieces.Sum(p => p.End - p.Start));
        }
    }

    [Fact]
    public void A_tie_goes_to_the_agent_id_that_sorts_first_and_an_empty_span_holds_nothing()
    {
        Assert.Equal([("a@5", 5, 10, true), ("b@5", 5, 10, false)], Split(("b", 5, 5, 10), ("a", 5, 5, 10), ("c", 7, 7, 7)));
    }

    [Fact]
    public void A_piece_of_a_longer_span_competes_with_the_whole_span_s_start()
    {
        // The laptop's span started at 50 (earlier than the desktop's at 80), though only its piece from 100 is at hand.
        Assert.Equal([("desk@80", 100, 150, true), ("lap@50", 100, 150, false)], Split(("lap", 50, 100, 150), ("desk", 80, 100, 150)));
    }
}
