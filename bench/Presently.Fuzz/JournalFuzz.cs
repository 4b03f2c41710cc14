using System.Diagnostics;
using Presently.Agent;
using Presently.Agent.Journal;
using Presently.Protocol;

namespace Presently.Fuzz;

/// <summary>
/// Corrupted journal files through the agent's recovery. Opening must never throw, and every
/// record it keeps must be one that was written, in order.
/// </summary>
public static class JournalFuzz
{
    public static FuzzResult Run(int seed, TimeSpan budget, string workDirectory)
    {
        var m = new Mutator(seed);
        var failures = new List<string>();
        long inputs = 0, kept = 0, largest = 0;
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < budget && failures.Count < 20)
        {
            var dir = Path.Combine(workDirectory, $"j{inputs}");
            var written = new Dictionary<long, SpanRecord>();
            using (var journal = SpanJournal.Open(new JournalOptions(dir, 1024 * 1024), new AgentLog(TextWriter.Null)))
            {
                // One append (one fsync) per few records keeps the run about corruption, not about disk speed.
                var count = 20 + m.Random.Next(200);
                for (var seq = 1; seq <= count; seq++)
                    written[seq] = new SpanRecord(seq, seq, seq * 1000L, seq * 1000L + m.Random.Next(1000), SpanState.Active, m.RandomText(20, wellFormed: true), m.RandomText(60, wellFormed: true), null);
                foreach (var chunk in written.Values.Chunk(1 + m.Random.Next(50))) journal.Append(chunk);
            }
            foreach (var file in Directory.GetFiles(dir, "*.pjl"))
                File.WriteAllBytes(file, m.Mutate(File.ReadAllBytes(file)));
            if (m.Random.Next(4) == 0) File.WriteAllBytes(Path.Combine(dir, "segment-00000099.pjl"), m.Mutate("PJL1garbage"u8.ToArray()));
            if (m.Random.Next(4) == 0) File.WriteAllText(Path.Combine(dir, "acked"), m.RandomText(30, wellFormed: true));
            inputs++;
            var before = GC.GetAllocatedBytesForCurrentThread();
            try
            {
                using var reopened = SpanJournal.Open(new JournalOptions(dir, 1024 * 1024), new AgentLog(TextWriter.Null));
                var after = 0L;
                while (reopened.ReadAfter(after, 100, 60_000) is { Count: > 0 } batch)
                {
                    foreach (var r in batch)
                    {
                        if (r.Seq <= after) failures.Add($"seq {r.Seq} after {after}");
                        if (!written.TryGetValue(r.Seq, out var original) || !Same(original, r)) failures.Add($"record {r.Seq} was never written like this");
                        after = r.Seq;
                        kept++;
                    }
                }
                reopened.Append([new SpanRecord(reopened.LastSeq + 1, 1, 0, 1, SpanState.Active, "after", null, null)]);
            }
            catch (Exception ex)
            {
                failures.Add($"{ex.GetType().Name}: {ex.Message}");
            }
            largest = Math.Max(largest, GC.GetAllocatedBytesForCurrentThread() - before);
            Directory.Delete(dir, recursive: true);
        }
        return new FuzzResult("journal", inputs, kept, failures, largest);
    }

    private static bool Same(SpanRecord a, SpanRecord b) =>
        a.Seq == b.Seq && a.SpanId == b.SpanId && a.StartMs == b.StartMs && a.EndMs == b.EndMs && a.State == b.State
        && a.App == b.App && a.Title == b.Title && a.Context == b.Context;
}
