using Presently.Protocol;

namespace Presently.Storage;

/// <summary>What an agent says about itself in Hello, plus who owns it.</summary>
public sealed record AgentRegistration(
    string AgentId,
    string PersonName,
    string Host,
    string Os,
    string AgentVersion,
    IReadOnlyList<string> Capabilities,
    DateTimeOffset SeenAt,
    long ClockOffsetMs);

/// <summary>An agent as stored, with its owner and the last span it sent.</summary>
public sealed record AgentSummary(
    string AgentId,
    string PersonName,
    string Host,
    string Os,
    string AgentVersion,
    long HighestSeq,
    DateTimeOffset? LastSeen,
    long ClockOffsetMs,
    StoredSpan? LastSpan);

/// <summary>A span as stored: the latest version received of (agent, span id).</summary>
public sealed record StoredSpan(
    string AgentId,
    long SpanId,
    long Seq,
    DateTimeOffset Start,
    DateTimeOffset End,
    SpanState State,
    string? App,
    string? Title,
    string? Context)
{
    public TimeSpan Duration => End - Start;
}

/// <summary>One agent's validated records to be committed together.</summary>
public sealed record IngestBatch(string AgentId, IReadOnlyList<SpanRecord> Spans)
{
    public long HighestSeq => Spans.Count == 0 ? 0 : Spans.Max(s => s.Seq);
}

/// <summary>A span joined with its owner, as the hours report needs it.</summary>
public sealed record ReportSpan(string Person, string AgentId, string Host, string? App, long StartMs, long EndMs);
