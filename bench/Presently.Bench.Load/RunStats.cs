using System.Collections.Concurrent;
using System.Diagnostics;

namespace Presently.Bench.Load;

/// <summary>
/// Counters shared by agents and browsers. Each is kept for the whole run and, apart, for the
/// measured period; errors are kept by kind.
/// </summary>
public sealed class RunStats
{
    private volatile Phase _phase = Phase.Setup;
    private readonly Lock _ackLock = new();
    private List<double> _ackMs = [];

    public Phase Phase
    {
        get => _phase;
        set => _phase = value;
    }

    public bool Measuring => _phase == Phase.Measured;

    public ConcurrentDictionary<string, long> Errors { get; } = new();

    public ConcurrentDictionary<string, long> ErrorsMeasured { get; } = new();

    public long AckedRecords;
    public long AckedRecordsMeasured;
    public long AckedBatchesMeasured;
    public long SentBatches;
    public long SentRecords;
    public long AgentReconnects;
    public long AgentReconnectsMeasured;
    public long ChangesMeasured;
    public long ChangesTotal;

    public void Error(string kind)
    {
        Errors.AddOrUpdate(kind, 1, (_, n) => n + 1);
        if (Measuring) ErrorsMeasured.AddOrUpdate(kind, 1, (_, n) => n + 1);
    }

    public void Acked(int records, long sentAt, long now)
    {
        Interlocked.Add(ref AckedRecords, records);
        if (!Measuring) return;
        Interlocked.Add(ref AckedRecordsMeasured, records);
        Interlocked.Increment(ref AckedBatchesMeasured);
        var ms = Stopwatch.GetElapsedTime(sentAt, now).TotalMilliseconds;
        lock (_ackLock) _ackMs.Add(ms);
    }

    /// <summary>Time from sending a batch to its ack (commit and fan-out on the server), measured period only.</summary>
    public List<double> AckLatencies()
    {
        lock (_ackLock) return [.. _ackMs];
    }

    public long ErrorCount => Errors.Values.Sum();
}
