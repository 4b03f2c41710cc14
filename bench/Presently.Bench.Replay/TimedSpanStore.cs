using System.Diagnostics;
using Presently.Storage;

namespace Presently.Bench.Replay;

/// <summary>
/// Passes everything through to the real store and times only <see cref="CommitAsync"/>, so the
/// benchmark can say how much of the wall time the server's single writer spent inside SQLite
/// (statements plus the fsync of the commit) and how well group commit batched. Cost: two
/// timestamps per group commit.
/// </summary>
public sealed class TimedSpanStore(ISpanStore inner) : ISpanStore
{
    private long _commitTicks;
    private long _commits;
    private long _batches;
    private long _spans;
    private long _maxCommitTicks;

    public TimeSpan CommitTime => Stopwatch.GetElapsedTime(0, Interlocked.Read(ref _commitTicks));

    public TimeSpan MaxCommitTime => Stopwatch.GetElapsedTime(0, Interlocked.Read(ref _maxCommitTicks));

    public long Commits => Interlocked.Read(ref _commits);

    public long Batches => Interlocked.Read(ref _batches);

    public long Spans => Interlocked.Read(ref _spans);

    public CommitStats Snapshot() => new(Commits, Batches, Spans, CommitTime);

    public async Task<IReadOnlyList<CommitOutcome>> CommitAsync(IReadOnlyList<IngestBatch> batches, CancellationToken ct = default)
    {
        var started = Stopwatch.GetTimestamp();
        var outcomes = await inner.CommitAsync(batches, ct);
        var took = Stopwatch.GetTimestamp() - started;
        // One writer calls this (IngestWriter), so plain read-modify-write of the maximum is safe.
        Interlocked.Add(ref _commitTicks, took);
        if (took > _maxCommitTicks) Interlocked.Exchange(ref _maxCommitTicks, took);
        Interlocked.Increment(ref _commits);
        Interlocked.Add(ref _batches, batches.Count);
        Interlocked.Add(ref _spans, batches.Sum(b => (long)b.Spans.Count));
        return outcomes;
    }

    public Task InitializeAsync(CancellationToken ct = default) => inner.InitializeAsync(ct);

    public Task<AgentRegistered?> RegisterAgentAsync(AgentRegistration registration, bool sharedCredential, CancellationToken ct = default) =>
        inner.RegisterAgentAsync(registration, sharedCredential, ct);

    public Task<IReadOnlyList<QuotaUse>> GetQuotaUseAsync(DateTimeOffset since, long atLeastBytes, long atLeastSpans, CancellationToken ct = default) =>
        inner.GetQuotaUseAsync(since, atLeastBytes, atLeastSpans, ct);

    public Task<IReadOnlyList<AgentSummary>> ListAgentsAsync(CancellationToken ct = default) => inner.ListAgentsAsync(ct);

    public Task<Presently.Storage.Reports.ReportResult> RunReportAsync(Presently.Storage.Reports.ReportRequest request, CancellationToken ct = default) =>
        inner.RunReportAsync(request, ct);

    public Task RebuildRollupsAsync(CancellationToken ct = default) => inner.RebuildRollupsAsync(ct);
    public Task RecountPeopleAsync(IReadOnlyList<long> personIds, CancellationToken ct = default) => inner.RecountPeopleAsync(personIds, ct);

    public Task<bool> RefreshCategoriesAsync(CancellationToken ct = default) => inner.RefreshCategoriesAsync(ct);

    public Task<IReadOnlyList<StoredSpan>> GetPersonSpansAsync(string person, DateTimeOffset from, DateTimeOffset to, int maxSpans, CancellationToken ct = default) => inner.GetPersonSpansAsync(person, from, to, maxSpans, ct);
    public Task<RetentionResult> DeleteSpansBeforeAsync(DateTimeOffset cutoff, bool includingRollups, CancellationToken ct = default) => inner.DeleteSpansBeforeAsync(cutoff, includingRollups, ct);

    public Task PingAsync(CancellationToken ct = default) => inner.PingAsync(ct);

    public bool IsTransient(Exception error) => inner.IsTransient(error);

    public Task<IReadOnlyList<StoredSpan>> GetSpansAsync(string agentId, CancellationToken ct = default) => inner.GetSpansAsync(agentId, ct);

    public ValueTask DisposeAsync() => inner.DisposeAsync();
}

/// <summary>Commit counters at one moment; subtract two to describe the interval between them.</summary>
public readonly record struct CommitStats(long Commits, long Batches, long Spans, TimeSpan Time)
{
    public static CommitStats operator -(CommitStats a, CommitStats b) =>
        new(a.Commits - b.Commits, a.Batches - b.Batches, a.Spans - b.Spans, a.Time - b.Time);

    public override string ToString() => Commits == 0
        ? "no commits"
        : $"{Commits,4} commits of {Spans / (double)Commits,6:N0} spans, {Time.TotalMilliseconds / Commits,6:0.0} ms each ({Time.TotalSeconds:0.0} s busy)";
}
