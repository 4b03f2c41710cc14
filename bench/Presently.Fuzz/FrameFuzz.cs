using System.Diagnostics;
using Presently.Protocol;
using Presently.Server.Agents;

namespace Presently.Fuzz;

/// <summary>
/// Mutated agent frames through the server's decoder and ingest validator. Nothing may throw, and
/// whatever the validator accepts must really be valid.
/// </summary>
public static class FrameFuzz
{
    public static FuzzResult Run(int seed, TimeSpan budget)
    {
        var m = new Mutator(seed);
        var now = DateTimeOffset.UtcNow;
        var failures = new List<string>();
        long inputs = 0, accepted = 0, largest = 0;
        var seeds = Enumerable.Range(0, 64).Select(_ => FrameCodec.Encode(ValidMessage(m, now))).ToArray();
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < budget && failures.Count < 20)
        {
            var frame = m.Mutate(seeds[m.Random.Next(seeds.Length)], seeds[m.Random.Next(seeds.Length)]);
            inputs++;
            var before = GC.GetAllocatedBytesForCurrentThread();
            try
            {
                var decoded = FrameCodec.Decode(frame);
                if (decoded.Message is SpanBatch batch && IngestValidator.Check(batch, now).Ok)
                {
                    accepted++;
                    if (Invalid(batch, now) is { } why) failures.Add($"validator accepted an invalid batch ({why}): {Convert.ToHexString(frame)}");
                }
                else if (decoded.Message is Hello hello)
                {
                    IngestValidator.Check(hello, now);
                }
                else if (!decoded.IsOk && decoded.ErrorCode is null)
                {
                    failures.Add("a failed decode without an error code");
                }
            }
            catch (Exception ex)
            {
                failures.Add($"{ex.GetType().Name}: {ex.Message} on {Convert.ToHexString(frame)}");
            }
            largest = Math.Max(largest, GC.GetAllocatedBytesForCurrentThread() - before);
        }
        return new FuzzResult("frames", inputs, accepted, failures, largest);
    }

    /// <summary>The invariants of stored spans, checked independently of the validator's code.</summary>
    public static string? Invalid(SpanBatch batch, DateTimeOffset now)
    {
        if (batch.Spans.Length > ProtocolConstants.MaxSpansPerBatch) return "too many spans";
        foreach (var s in batch.Spans)
        {
            if (s.Seq <= 0 || s.SpanId <= 0) return "non-positive id";
            if (s.StartMs < 0 || s.EndMs < s.StartMs) return "bad times";
            if (s.EndMs > (now + ProtocolConstants.MaxFutureSkew).ToUnixTimeMilliseconds()) return "future";
            if (!Enum.IsDefined(s.State)) return "state";
            if (s.App?.Length > ProtocolConstants.MaxAppLength || s.Title?.Length > ProtocolConstants.MaxTitleLength ) return "too long";
            if (s.Context is { } c && !ContextKeepsTheRules(c)) return "context";
        }
        return null;
    }

    private static bool ContextKeepsTheRules(SpanContext c)
    {
        var keys = c.Entries.Select(e => e.Key).ToList();
        return keys.Count <= 8 && keys.Distinct().Count() == keys.Count
            && keys.All(k => System.Text.RegularExpressions.Regex.IsMatch(k, "^[a-z][a-z0-9_]{0,15}$"))
            && c.Entries.All(e => e.Value.Length is >= 1 and <= 256);
    }

    public static IMessage ValidMessage(Mutator m, DateTimeOffset now)
    {
        var t = now.AddHours(-1).ToUnixTimeMilliseconds();
        return m.Random.Next(6) switch
        {
            0 => new Hello(1, "agent-" + m.Random.Next(100), "1.0.0", "host", "Linux", ["x11", "idle"], t),
            1 => new Ack(m.Random.NextInt64(1, long.MaxValue)),
            2 => new ErrorMessage(ErrorCodes.InvalidSpan, m.RandomText(40), m.Random.Next()),
            _ => new SpanBatch([.. Enumerable.Range(0, 1 + m.Random.Next(5)).Select(i => new SpanRecord(
                i + 1, i + 1, t + i * 1000, t + i * 1000 + m.Random.Next(5000), SpanState.Active,
                m.RandomText(30), m.RandomText(80), m.Random.Next(3) == 0 ? SpanContext.Of(("site", "example.org"), ("tab", m.RandomText(20))) : null))]),
        };
    }
}
