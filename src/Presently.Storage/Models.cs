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
    SpanContext? Context)
{
    public TimeSpan Duration => End - Start;
}

/// <summary>One agent's validated records to be committed together.</summary>
public sealed record IngestBatch(string AgentId, IReadOnlyList<SpanRecord> Spans)
{
    public long HighestSeq => Spans.Count == 0 ? 0 : Spans.Max(s => s.Seq);
}

/// <summary>A span joined with its owner, as the hours report needs it.</summary>
public sealed record ReportSpan(string Person, string AgentId, string Host, string? App, long StartMs, long EndMs, SpanContext? Context = null, string? Team = null, string? Title = null);

/// <summary>An agent allowed in at Hello: what it has stored, and since when it exists (enrollment or first Hello).</summary>
public sealed record AgentRegistered(long HighestSeq, DateTimeOffset FirstSeen);

/// <summary>What became of one batch in a group commit.</summary>
public enum CommitOutcome
{
    /// <summary>Committed (records that could not be true were clipped or ignored, see ISpanStore.CommitAsync).</summary>
    Stored,
    /// <summary>Committed, but a day of the agent is over its quota: some spans lost their title and context, or were not stored.</summary>
    StoredOverQuota,
    /// <summary>Nothing of it was stored: the agent was removed or blocked while the batch waited.</summary>
    AgentGone,
}

/// <summary>How much one agent stored for one UTC day (by span start), for the quota alert.</summary>
public sealed record QuotaUse(string AgentId, string PersonName, string Host, DateOnly Day, long Bytes, long Spans);

/// <summary>
/// What one agent may store per UTC day of span start: past <paramref name="DailyQuotaBytes"/> spans
/// keep only their time and app; past <paramref name="DailySpans"/> new spans are not stored.
/// </summary>
public sealed record StoreLimits(long DailyQuotaBytes, long DailySpans)
{
    public static readonly StoreLimits None = new(long.MaxValue, long.MaxValue);
}
