using Presently.Protocol;

namespace Presently.Server.Agents;

/// <summary>
/// Decides whether what an agent sent may be stored. Every field is attacker-controlled; a batch is
/// stored whole or not at all. What depends on stored data (overlap with other spans, the daily
/// quota) is the store's to enforce, in the same transaction as the write.
/// </summary>
public static class IngestValidator
{
    public readonly record struct Verdict(string? Code, string? Text)
    {
        public bool Ok => Code is null;
        public static readonly Verdict Accept = new(null, null);
    }

    /// <summary>
    /// What can be true of one agent's next batch: spans start no earlier than
    /// <see cref="EarliestStartMs"/> (its enrollment less the offline window) and end no later than
    /// <see cref="LatestEndMs"/> (the server's now plus the allowed skew); every seq is above
    /// <see cref="AfterSeq"/> (the last one received on this connection) and they increase.
    /// </summary>
    public readonly record struct Bounds(long EarliestStartMs, long LatestEndMs, long AfterSeq)
    {
        public static Bounds At(DateTimeOffset serverNow, DateTimeOffset earliestStart, long afterSeq) =>
            new(earliestStart.ToUnixTimeMilliseconds(), (serverNow + ProtocolConstants.MaxFutureSkew).ToUnixTimeMilliseconds(), afterSeq);
    }

    public static Verdict Check(Hello hello, DateTimeOffset serverNow)
    {
        if (hello.ProtocolVersion != ProtocolConstants.Version)
            return new(ErrorCodes.UnsupportedVersion, $"protocol version {hello.ProtocolVersion} is not supported; this server speaks {ProtocolConstants.Version}");
        if (!ProtocolConstants.IsValidAgentId(hello.AgentId))
            return new(ErrorCodes.InvalidHello, "agent id must be 1-128 characters of A-Z a-z 0-9 _ -");
        if (hello.Host.Length is 0 or > 255) return new(ErrorCodes.InvalidHello, "host must be 1-255 characters");
        if (hello.Os.Length > 128) return new(ErrorCodes.InvalidHello, "os is longer than 128 characters");
        if (hello.AgentVersion.Length > 64) return new(ErrorCodes.InvalidHello, "agent version is longer than 64 characters");
        if (hello.Capabilities.Length > ProtocolConstants.MaxCapabilities || hello.Capabilities.Any(c => c.Length > 64))
            return new(ErrorCodes.InvalidHello, $"at most {ProtocolConstants.MaxCapabilities} capabilities of up to 64 characters");
        // Int128: the difference of two arbitrary longs does not fit a long.
        if (Int128.Abs((Int128)serverNow.ToUnixTimeMilliseconds() - hello.AgentClockMs) > (Int128)ProtocolConstants.MaxClockOffset.TotalMilliseconds)
            return new(ErrorCodes.InvalidHello, $"the agent's clock is more than {ProtocolConstants.MaxClockOffset.TotalHours:0} h away from the server's; set it right and reconnect");
        return Verdict.Accept;
    }

    /// <summary>
    /// The records of <paramref name="batch"/> after its leading replays (seq at or below
    /// <paramref name="afterSeq"/>, already stored or received on this connection). Replays are
    /// harmless but never stored again; a batch of nothing but replays is refused by <see cref="Check(SpanBatch, Bounds)"/>.
    /// </summary>
    public static SpanBatch WithoutReplays(SpanBatch batch, long afterSeq)
    {
        var skip = 0;
        while (skip < batch.Spans.Length && batch.Spans[skip].Seq <= afterSeq) skip++;
        return skip == 0 || skip == batch.Spans.Length ? batch : new SpanBatch(batch.Spans[skip..]);
    }

    /// <summary>Checks a batch on its own, as the fuzzers and a fresh agent see it.</summary>
    public static Verdict Check(SpanBatch batch, DateTimeOffset serverNow) => Check(batch, Bounds.At(serverNow, DateTimeOffset.UnixEpoch, 0));

    public static Verdict Check(SpanBatch batch, Bounds bounds)
    {
        if (batch.Spans.Length > ProtocolConstants.MaxSpansPerBatch)
            return new(ErrorCodes.TooManySpans, $"a batch holds at most {ProtocolConstants.MaxSpansPerBatch} spans");
        var previousSeq = bounds.AfterSeq;
        foreach (var s in batch.Spans)
        {
            // An agent numbers its records once, in order; what it resends must lead the batch (see WithoutReplays).
            if (s.Seq <= previousSeq) return new(ErrorCodes.InvalidSpan, $"seq {s.Seq} is not after {previousSeq}: records are numbered in order and not sent again");
            previousSeq = s.Seq;
            var verdict = Check(s, bounds);
            if (!verdict.Ok) return verdict;
        }
        return Verdict.Accept;
    }

    private static Verdict Check(SpanRecord s, Bounds bounds)
    {
        if (s.Seq <= 0) return new(ErrorCodes.InvalidSpan, $"seq {s.Seq} must be positive");
        if (s.SpanId <= 0) return new(ErrorCodes.InvalidSpan, $"span id {s.SpanId} must be positive");
        if (s.StartMs < bounds.EarliestStartMs) return new(ErrorCodes.InvalidSpan, $"span {s.SpanId} starts before this agent could have recorded it");
        if (s.EndMs < s.StartMs) return new(ErrorCodes.InvalidSpan, $"span {s.SpanId} ends before it starts");
        if (s.EndMs > bounds.LatestEndMs || s.StartMs > bounds.LatestEndMs)
            return new(ErrorCodes.FutureTimestamp, $"span {s.SpanId} ends more than {ProtocolConstants.MaxFutureSkew.TotalMinutes:0} minutes in the future");
        if (!Enum.IsDefined(s.State)) return new(ErrorCodes.InvalidSpan, $"span {s.SpanId} has unknown state {(int)s.State}");
        if (s.App?.Length > ProtocolConstants.MaxAppLength) return new(ErrorCodes.InvalidSpan, $"app name longer than {ProtocolConstants.MaxAppLength}");
        if (s.Title?.Length > ProtocolConstants.MaxTitleLength) return new(ErrorCodes.InvalidSpan, $"title longer than {ProtocolConstants.MaxTitleLength}");
        if (s.Context?.Validate() is { } contextError) return new(ErrorCodes.InvalidSpan, $"span {s.SpanId}: {contextError}");
        // Private and paused time must carry nothing about what was on screen.
        if (s.State is SpanState.Private or SpanState.Paused && (s.App is not null || s.Title is not null || s.Context is not null))
            return new(ErrorCodes.InvalidSpan, $"span {s.SpanId} is {s.State.ToString().ToLowerInvariant()} but names an app or title");
        return Verdict.Accept;
    }
}
