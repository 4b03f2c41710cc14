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

    void SpansCommitted(Guid session, string agentId, IReadOnlyList<SpanRecord> spans);

    void Disconnected(Guid session, string agentId);

    /// <summary>A new owner or display name for the agent.</summary>
    void Identify(string agentId, string person, string? name);

    void Removed(string agentId);

    /// <summary>Teams or who is in them changed; this instance has reloaded its own already.</summary>
    void TeamsChanged();
}

/// <summary>One agent's live connection as instances share it: who holds it, through which session.</summary>
public sealed record LiveConnection(string AgentId, Guid Session, string Instance, string Person, string Host, string Os, long ClockOffsetMs);

/// <summary>A single instance: every change goes straight into its own live state.</summary>
public sealed class LocalLiveUpdates(LiveState live) : ILiveUpdates
{
    public void Connected(Guid session, string agentId, string person, string host, string os, long clockOffsetMs) =>
        live.Connected(session, agentId, person, host, os, clockOffsetMs);

    public void SpansCommitted(Guid session, string agentId, IReadOnlyList<SpanRecord> spans) => live.SpansCommitted(session, agentId, spans);

    public void Disconnected(Guid session, string agentId) => live.Disconnected(session, agentId);

    public void Identify(string agentId, string person, string? name) => live.Identify(agentId, person, name);

    public void Removed(string agentId) => live.Remove(agentId);

    public void TeamsChanged()
    {
    }
}
