using Presently.Protocol;

namespace Presently.Agent.Uplink;

/// <summary>
/// Span records not yet acknowledged, in sequence order. A newer version of a span replaces an
/// older unacknowledged one (only the latest end matters), so the queue grows with the number of
/// spans, not with the number of checkpoints.
/// </summary>
public sealed class PendingQueue
{
    private readonly Lock _lock = new();
    private readonly LinkedList<SpanRecord> _records = new();
    private readonly Dictionary<long, LinkedListNode<SpanRecord>> _bySpan = [];
    private readonly SemaphoreSlim _signal = new(0);

    public int Count
    {
        get { lock (_lock) return _records.Count; }
    }

    public long HighestSeq
    {
        get { lock (_lock) return _records.Last?.Value.Seq ?? 0; }
    }

    public void Add(SpanRecord record)
    {
        lock (_lock)
        {
            if (_bySpan.Remove(record.SpanId, out var old)) _records.Remove(old);
            _bySpan[record.SpanId] = _records.AddLast(record);
        }
        if (_signal.CurrentCount == 0) _signal.Release();
    }

    /// <summary>Drops everything up to and including <paramref name="seq"/>.</summary>
    public void Acknowledge(long seq)
    {
        lock (_lock)
        {
            while (_records.First is { } first && first.Value.Seq <= seq)
            {
                _bySpan.Remove(first.Value.SpanId);
                _records.RemoveFirst();
            }
        }
    }

    /// <summary>The oldest records after <paramref name="afterSeq"/>, within the count and byte limits.</summary>
    public List<SpanRecord> Take(long afterSeq, int maxCount, int maxBytes)
    {
        var batch = new List<SpanRecord>();
        var bytes = 16;
        lock (_lock)
        {
            for (var node = _records.First; node is not null && batch.Count < maxCount; node = node.Next)
            {
                if (node.Value.Seq <= afterSeq) continue;
                var size = EstimateBytes(node.Value);
                if (batch.Count > 0 && bytes + size > maxBytes) break;
                bytes += size;
                batch.Add(node.Value);
            }
        }
        return batch;
    }

    /// <summary>Waits until something is added (or returns at once if something was added since the last wait).</summary>
    public Task WaitAsync(TimeSpan timeout, CancellationToken ct) => _signal.WaitAsync(timeout, ct);

    // Upper bound of the MessagePack size: fixed fields plus UTF-8 at 3 bytes per UTF-16 unit.
    private static int EstimateBytes(SpanRecord r) =>
        64 + 3 * ((r.App?.Length ?? 0) + (r.Title?.Length ?? 0) + (r.Context?.Length ?? 0));
}
