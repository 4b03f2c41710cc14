namespace Presently.Storage;

/// <summary>
/// The one interface every store implements (SQLite now, PostgreSQL later). Writes go through a
/// single writer; reads may run concurrently.
/// </summary>
public interface ISpanStore : IAsyncDisposable
{
    Task InitializeAsync(CancellationToken ct = default);

    /// <summary>
    /// Updates an active agent's row from its Hello (creating it only when <paramref name="mayCreate"/>)
    /// and returns what it has stored; null when the agent is blocked or removed, or does not exist and may not be created.
    /// </summary>
    Task<AgentRegistered?> RegisterAgentAsync(AgentRegistration registration, bool mayCreate = true, CancellationToken ct = default);

    /// <summary>
    /// Upserts every span of every batch by (agent, span id), keeping the version with the highest
    /// sequence number, and raises each agent's stored sequence number — all in one durable
    /// transaction. Returns only after the commit.
    /// </summary>
    Task<IReadOnlyList<CommitOutcome>> CommitAsync(IReadOnlyList<IngestBatch> batches, CancellationToken ct = default);

    /// <summary>Agent-days since <paramref name="since"/> whose stored bytes reached <paramref name="atLeastBytes"/>, largest first.</summary>
    Task<IReadOnlyList<QuotaUse>> GetQuotaUseAsync(DateTimeOffset since, long atLeastBytes, CancellationToken ct = default);

    Task<IReadOnlyList<AgentSummary>> ListAgentsAsync(CancellationToken ct = default);

    /// <summary>Active spans overlapping [from, to), with their owners.</summary>
    Task<IReadOnlyList<ReportSpan>> GetActiveSpansAsync(DateTimeOffset from, DateTimeOffset to, CancellationToken ct = default);

    Task<IReadOnlyList<StoredSpan>> GetSpansAsync(string agentId, CancellationToken ct = default);
}
