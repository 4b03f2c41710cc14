namespace Presently.Storage;

/// <summary>
/// The one interface every store implements (SQLite now, PostgreSQL later). Writes go through a
/// single writer; reads may run concurrently.
/// </summary>
public interface ISpanStore : IAsyncDisposable
{
    Task InitializeAsync(CancellationToken ct = default);

    /// <summary>Creates or updates the agent row and returns the highest sequence number stored for it.</summary>
    Task<long> RegisterAgentAsync(AgentRegistration registration, CancellationToken ct = default);

    /// <summary>
    /// Upserts every span of every batch by (agent, span id), keeping the version with the highest
    /// sequence number, and raises each agent's stored sequence number — all in one durable
    /// transaction. Returns only after the commit.
    /// </summary>
    Task CommitAsync(IReadOnlyList<IngestBatch> batches, CancellationToken ct = default);

    Task<IReadOnlyList<AgentSummary>> ListAgentsAsync(CancellationToken ct = default);

    /// <summary>Active spans overlapping [from, to), with their owners.</summary>
    Task<IReadOnlyList<ReportSpan>> GetActiveSpansAsync(DateTimeOffset from, DateTimeOffset to, CancellationToken ct = default);

    Task<IReadOnlyList<StoredSpan>> GetSpansAsync(string agentId, CancellationToken ct = default);
}
