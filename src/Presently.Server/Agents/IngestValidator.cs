using Presently.Protocol;

namespace Presently.Server.Agents;

/// <summary>
/// Decides whether what an agent sent may be stored. Every field is attacker-controlled; a batch is
/// stored whole or not at all.
/// </summary>
public static class IngestValidator
{
    public readonly record struct Verdict(string? Code, string? Text)
    {
        public bool Ok => Code is null;
        public static readonly Verdict Accept = new(null, null);
    }

    public static Verdict Check(Hello hello)
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
        return Verdict.Accept;
    }

    public static Verdict Check(SpanBatch batch, DateTimeOffset serverNow)
    {
        if (batch.Spans.Length > ProtocolConstants.MaxSpansPerBatch)
            return new(ErrorCodes.TooManySpans, $"a batch holds at most {ProtocolConstants.MaxSpansPerBatch} spans");
        var latestAllowed = (serverNow + ProtocolConstants.MaxFutureSkew).ToUnixTimeMilliseconds();
        foreach (var s in batch.Spans)
        {
            var verdict = Check(s, latestAllowed);
            if (!verdict.Ok) return verdict;
        }
        return Verdict.Accept;
    }

    private static Verdict Check(SpanRecord s, long latestAllowedMs)
    {
        if (s.Seq <= 0) return new(ErrorCodes.InvalidSpan, $"seq {s.Seq} must be positive");
        if (s.SpanId <= 0) return new(ErrorCodes.InvalidSpan, $"span id {s.SpanId} must be positive");
        if (s.StartMs < 0) return new(ErrorCodes.InvalidSpan, $"span {s.SpanId} starts before 1970");
        if (s.EndMs < s.StartMs) return new(ErrorCodes.InvalidSpan, $"span {s.SpanId} ends before it starts");
        if (s.EndMs > latestAllowedMs || s.StartMs > latestAllowedMs)
            return new(ErrorCodes.FutureTimestamp, $"span {s.SpanId} ends more than {ProtocolConstants.MaxFutureSkew.TotalMinutes:0} minutes in the future");
        if (!Enum.IsDefined(s.State)) return new(ErrorCodes.InvalidSpan, $"span {s.SpanId} has unknown state {(int)s.State}");
        if (s.App?.Length > ProtocolConstants.MaxAppLength) return new(ErrorCodes.InvalidSpan, $"app name longer than {ProtocolConstants.MaxAppLength}");
        if (s.Title?.Length > ProtocolConstants.MaxTitleLength) return new(ErrorCodes.InvalidSpan, $"title longer than {ProtocolConstants.MaxTitleLength}");
        if (s.Context?.Length > ProtocolConstants.MaxContextLength) return new(ErrorCodes.InvalidSpan, $"context longer than {ProtocolConstants.MaxContextLength}");
        // Private and paused time must carry nothing about what was on screen.
        if (s.State is SpanState.Private or SpanState.Paused && (s.App ?? s.Title ?? s.Context) is not null)
            return new(ErrorCodes.InvalidSpan, $"span {s.SpanId} is {s.State.ToString().ToLowerInvariant()} but names an app or title");
        return Verdict.Accept;
    }
}
