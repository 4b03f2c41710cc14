using Presently.Protocol;

namespace Presently.Server.Live;

/// <summary>
/// What changes the live state, wherever it happens: agents connecting, committing spans and leaving
/// (ingest), and admins' actions. One instance applies them to its own <see cref="LiveState"/>;
/// several pass them through Redis to every instance that shows a board. Chosen once at start.
/// </summary>
public interface ILiveUpdates
{
    void Connected(Guid session, string agentId, string person, string host, string os, long clockOffsetMs);

    /// <summary>A group commit's batches, all at once: one step for the live state however many agents they came from.</summary>
    void SpansCommitted(IReadOnlyList<CommittedSpan> committed);

    void Disconnected(Guid session, string agentId);

    /// <summary>A new owner or display name for the agent.</summary>
    void Identify(string agentId, string person, string? name);

    void Removed(string agentId);

    /// <summary>Teams or who is in them changed; this instance has reloaded its own already.</summary>
    void TeamsChanged();
}

/// <summary>The latest span of a batch just stored, and the connection (<paramref name="Session"/>) it came through.</summary>
public readonly record struct CommittedSpan(Guid Session, string AgentId, SpanRecord Span);

/// <summary>One agent's live connection as instances share it: who holds it, through which session.</summary>
public sealed record LiveConnection(string AgentId, Guid Session, string Instance, string Person, string Host, string Os, long ClockOffsetMs);

/// <summary>A single instance: every change goes straight into its own live state.</summary>
public sealed class LocalLiveUpdates(LiveState live) : ILiveUpdates
{
    public void Connected(Guid session, string agentId, string person, string host, string os, long clockOffsetMs) =>
        live.Connected(session, agentId, person, host, os, clockOffsetMs);

    public void SpansCommitted(IReadOnlyList<CommittedSpan> committed) => live.SpansCommitted(committed);

    public void Disconnected(Guid session, string agentId) => live.Disconnected(session, agentId);

    public void Identify(string agentId, string person, string? name) => live.Identify(agentId, person, name);

    public void Removed(string agentId) => live.Remove(agentId);

    public void TeamsChanged()
    {
    }
}
