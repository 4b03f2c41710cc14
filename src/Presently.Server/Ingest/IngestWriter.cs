using System.Threading.Channels;
using Polly;
using Polly.Retry;
using Presently.Server.Live;
using Presently.Server.Monitoring;
using Presently.Storage;

namespace Presently.Server.Ingest;

/// <summary>
/// The writer of the store. Sessions hand it validated batches; it commits whatever has queued up in
/// one transaction (group commit), so one fsync covers many agents and the acknowledgement latency
/// stays low under load. A store that takes several commits at once (<see cref="ISpanStore.IngestLanes"/>:
/// PostgreSQL) gets one queue per lane, a person's batches always in the same lane, so concurrent
/// commits never touch the same rows.
/// </summary>
public sealed class IngestWriter : BackgroundService
{
    private const int MaxBatchesPerCommit = 256;

    private readonly Channel<Pending>[] _lanes;
    private readonly ISpanStore _store;
    private readonly ILogger<IngestWriter> _log;
    private readonly ResiliencePipeline _retry;
    private readonly ServerMetrics _metrics;
    private readonly TimeProvider _time;
    private readonly ILiveUpdates _live;
    private volatile string? _storeFault;

    public IngestWriter(ISpanStore store, ILiveUpdates live, ILogger<IngestWriter> log, TimeProvider time, ServerMetrics metrics)
    {
        _live = live;
        _store = store;
        _lanes = [.. Enumerable.Range(0, Math.Max(1, store.IngestLanes)).Select(_ => Channel.CreateBounded<Pending>(new BoundedChannelOptions(4096)
        {
            SingleReader = true,
            FullMode = BoundedChannelFullMode.Wait,
        }))];
        _log = log;
        _time = time;
        _metrics = metrics;
        // A store that is down for a while (PostgreSQL restarting) is waited for: the group is retried
        // whole until it commits, and meanwhile nothing is acknowledged and agents stay connected
        // (their sends wait on the bounded queue). Only errors the store calls transient are retried.
        _retry = new ResiliencePipelineBuilder { TimeProvider = time }
            .AddRetry(new RetryStrategyOptions
            {
                ShouldHandle = new PredicateBuilder().Handle<Exception>(ex => ex is not OperationCanceledException && _store.IsTransient(ex)),
                MaxRetryAttempts = int.MaxValue,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = TimeSpan.FromMilliseconds(100),
                MaxDelay = TimeSpan.FromSeconds(5),
                OnRetry = args =>
                {
                    _storeFault = args.Outcome.Exception?.Message ?? "unknown error";
                    if (args.AttemptNumber % 10 == 0) _log.LogWarning(args.Outcome.Exception, "Commit failed {Attempts} times; retrying", args.AttemptNumber + 1);
                    return default;
                },
            })
            .Build();
    }

    /// <summary>Why the last commit failed while it is being retried; null when commits succeed.</summary>
    public string? StoreFault => _storeFault;

    /// <summary>
    /// Completes once the batch is durably committed (or refused whole) and its latest span is live;
    /// faults if the commit failed. <paramref name="person"/> (whose agent sent it) picks the lane;
    /// <paramref name="session"/> is the connection it came through.
    /// </summary>
    public async Task<CommitOutcome> CommitAsync(IngestBatch batch, string person, Guid session, CancellationToken ct)
    {
        var pending = new Pending(batch, session, new TaskCompletionSource<CommitOutcome>(TaskCreationOptions.RunContinuationsAsynchronously));
        var lane = _lanes.Length == 1 ? _lanes[0] : _lanes[(StringComparer.Ordinal.GetHashCode(person) & int.MaxValue) % _lanes.Length];
        await lane.Writer.WriteAsync(pending, ct);
        return await pending.Done.Task.WaitAsync(ct);
    }

    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        Task.WhenAll(_lanes.Select(lane => Task.Run(() => RunLaneAsync(lane.Reader, stoppingToken), CancellationToken.None)));

    private async Task RunLaneAsync(ChannelReader<Pending> queue, CancellationToken stoppingToken)
    {
        var group = new List<Pending>(MaxBatchesPerCommit);
        try
        {
            while (await queue.WaitToReadAsync(stoppingToken))
            {
                group.Clear();
                while (group.Count < MaxBatchesPerCommit && queue.TryRead(out var p)) group.Add(p);
                try
                {
                    var batches = group.ConvertAll(p => p.Batch);
                    var started = _time.GetTimestamp();
                    var outcomes = await _retry.ExecuteAsync(async ct => await _store.CommitAsync(batches, ct), stoppingToken);
                    _metrics.SpansCommitted(batches.Sum(b => b.Spans.Count), _time.GetElapsedTime(started));
                    _storeFault = null;
                    GoLive(group, outcomes);
                    for (var i = 0; i < group.Count; i++) group[i].Done.TrySetResult(outcomes[i]);
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    _log.LogError(ex, "Commit of {Count} batches failed; none is acknowledged", group.Count);
                    foreach (var p in group) p.Done.TrySetException(ex);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        finally
        {
            foreach (var p in group) p.Done.TrySetCanceled(CancellationToken.None);
            while (queue.TryRead(out var p)) p.Done.TrySetCanceled(CancellationToken.None);
        }
    }

    /// <summary>The group's stored batches on the board in one step, before any is acknowledged (a batch of an agent gone is not shown).</summary>
    private void GoLive(List<Pending> group, IReadOnlyList<CommitOutcome> outcomes)
    {
        var committed = new List<CommittedSpan>(group.Count);
        for (var i = 0; i < group.Count; i++)
            if (outcomes[i] != CommitOutcome.AgentGone && group[i].Batch.Spans.Count > 0)
                committed.Add(new CommittedSpan(group[i].Session, group[i].Batch.AgentId, group[i].Batch.Spans.MaxBy(s => s.Seq)!));
        try
        {
            _live.SpansCommitted(committed);
        }
        catch (Exception ex)
        {
            // Stored all the same: the acknowledgements go out, and the next change shows again.
            _log.LogError(ex, "Showing {Count} committed batches failed", committed.Count);
        }
    }

    private sealed record Pending(IngestBatch Batch, Guid Session, TaskCompletionSource<CommitOutcome> Done);
}
