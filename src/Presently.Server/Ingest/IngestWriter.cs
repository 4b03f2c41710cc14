using System.Threading.Channels;
using Presently.Storage;

namespace Presently.Server.Ingest;

/// <summary>
/// The single writer of the store. Sessions hand it validated batches; it commits whatever has
/// queued up in one transaction (group commit), so one fsync covers many agents and the
/// acknowledgement latency stays low under load.
/// </summary>
public sealed class IngestWriter : BackgroundService
{
    private const int MaxBatchesPerCommit = 256;

    private readonly Channel<Pending> _queue = Channel.CreateBounded<Pending>(new BoundedChannelOptions(4096)
    {
        SingleReader = true,
        FullMode = BoundedChannelFullMode.Wait,
    });
    private readonly ISpanStore _store;
    private readonly ILogger<IngestWriter> _log;

    public IngestWriter(ISpanStore store, ILogger<IngestWriter> log)
    {
        _store = store;
        _log = log;
    }

    /// <summary>Completes once the batch is durably committed (or refused whole); faults if the commit failed.</summary>
    public async Task<CommitOutcome> CommitAsync(IngestBatch batch, CancellationToken ct)
    {
        var pending = new Pending(batch, new TaskCompletionSource<CommitOutcome>(TaskCreationOptions.RunContinuationsAsynchronously));
        await _queue.Writer.WriteAsync(pending, ct);
        return await pending.Done.Task.WaitAsync(ct);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var group = new List<Pending>(MaxBatchesPerCommit);
        try
        {
            while (await _queue.Reader.WaitToReadAsync(stoppingToken))
            {
                group.Clear();
                while (group.Count < MaxBatchesPerCommit && _queue.Reader.TryRead(out var p)) group.Add(p);
                try
                {
                    var outcomes = await _store.CommitAsync(group.ConvertAll(p => p.Batch), stoppingToken);
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
            while (_queue.Reader.TryRead(out var p)) p.Done.TrySetCanceled(CancellationToken.None);
        }
    }

    private sealed record Pending(IngestBatch Batch, TaskCompletionSource<CommitOutcome> Done);
}
