using Presently.Storage.Reports;

namespace Presently.Storage;

/// <summary>
/// The one interface every store implements (SQLite now, PostgreSQL later). Writes go through a
/// single writer; reads may run concurrently.
/// </summary>
public interface ISpanStore : IAsyncDisposable
{
    Task InitializeAsync(CancellationToken ct = default);

    /// <summary>
    /// Updates an active agent's row from its Hello and returns what it has stored; null when the agent
    /// is blocked or removed, or not there. An enrolled agent's row exists from enrollment and is never
    /// created here; with the shared development credential (<paramref name="sharedCredential"/>) a new
    /// agent is created, and an agent with a credential of its own cannot be named.
    /// </summary>
    Task<AgentRegistered?> RegisterAgentAsync(AgentRegistration registration, bool sharedCredential, CancellationToken ct = default);

    /// <summary>
    /// Upserts every span of every batch by (agent, span id), keeping the version with the highest
    /// sequence number, and raises each agent's stored sequence number — all in one durable
    /// transaction. Returns only after the commit.
    /// </summary>
    Task<IReadOnlyList<CommitOutcome>> CommitAsync(IReadOnlyList<IngestBatch> batches, CancellationToken ct = default);

    /// <summary>
    /// How many <see cref="CommitAsync"/> calls may run at once. One for SQLite (one writer); more for
    /// PostgreSQL, where each runs on its own connection and a commit's time is mostly round trips.
    /// Callers give concurrent commits disjoint people, whose rows never meet.
    /// </summary>
    int IngestLanes => 1;

    /// <summary>Agent-days from <paramref name="since"/> on whose stored bytes reached <paramref name="atLeastBytes"/> or spans <paramref name="atLeastSpans"/>, latest first.</summary>
    Task<IReadOnlyList<QuotaUse>> GetQuotaUseAsync(DateTimeOffset since, long atLeastBytes, long atLeastSpans, CancellationToken ct = default);

    Task<IReadOnlyList<AgentSummary>> ListAgentsAsync(CancellationToken ct = default);

    /// <summary>The hours report: whole days and hours from the rollups, the edges from spans, every filter applied in the store.</summary>
    Task<ReportResult> RunReportAsync(ReportRequest request, CancellationToken ct = default);

    /// <summary>Sums the rollups again from the stored spans, in one transaction (they should never differ; this proves it or repairs it).</summary>
    Task RebuildRollupsAsync(CancellationToken ct = default);

    /// <summary>
    /// Works out again which of these people's devices held their time (<see cref="Reports.ForegroundDevice"/>)
    /// over their whole history, with the rollups: after an agent moved from one person to another, or
    /// was removed with its data.
    /// </summary>
    Task RecountPeopleAsync(IReadOnlyList<long> personIds, CancellationToken ct = default);

    /// <summary>
    /// Takes up the categories stored now (<see cref="Categories.ICategoryStore"/>) for ingest and reports;
    /// when the category rollups were summed with other rules, sums them again from the spans in one
    /// transaction (ingest waits meanwhile). True when it did. Call it after categories change.
    /// </summary>
    Task<bool> RefreshCategoriesAsync(CancellationToken ct = default);

    Task<IReadOnlyList<StoredSpan>> GetSpansAsync(string agentId, CancellationToken ct = default);

    /// <summary>
    /// The spans of every agent of <paramref name="person"/> that overlap [<paramref name="from"/>,
    /// <paramref name="to"/>), in start order, each from its first to its last part in that period (a
    /// timeline cuts them to the period anyway); at most <paramref name="maxSpans"/>.
    /// </summary>
    Task<IReadOnlyList<StoredSpan>> GetPersonSpansAsync(string person, DateTimeOffset from, DateTimeOffset to, int maxSpans, CancellationToken ct = default);

    /// <summary>
    /// Retention: deletes every stored span row starting before <paramref name="cutoff"/> (a UTC midnight,
    /// see <see cref="Retention.CutoffMs"/>) and the agents' daily use of the days before it, for good:
    /// SQLite overwrites the freed pages and vacuums the file, PostgreSQL drops whole months. A span
    /// crossing the cutoff is cut at it: it keeps its time from the cutoff on, laid out again in parts
    /// from there, so every report of time from the cutoff on is unchanged. With
    /// <paramref name="includingRollups"/> the rollup rows of hours and days before the cutoff go too;
    /// otherwise they stay and reports of those whole hours and days still answer from them (until a
    /// rebuild of the rollups, which sums only the spans that are left).
    /// </summary>
    Task<RetentionResult> DeleteSpansBeforeAsync(DateTimeOffset cutoff, bool includingRollups, CancellationToken ct = default);

    /// <summary>Throws when the store cannot be reached now (readiness).</summary>
    Task PingAsync(CancellationToken ct = default);

    /// <summary>Whether <paramref name="error"/> from this store may pass by itself (the database restarting, a lock held): worth retrying.</summary>
    bool IsTransient(Exception error);
}
