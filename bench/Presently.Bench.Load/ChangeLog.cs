namespace Presently.Bench.Load;

/// <summary>An array that grows in fixed chunks, so a reader never sees a copy being made.</summary>
internal sealed class ChunkedArray<T>
{
    private const int Bits = 16;
    private const int Size = 1 << Bits;
    private readonly T[]?[] _chunks = new T[]?[1 << 15];
    private readonly Lock _grow = new();

    public ref T this[long index]
    {
        get
        {
            var chunk = Volatile.Read(ref _chunks[index >> Bits]);
            if (chunk is null)
            {
                lock (_grow) chunk = _chunks[index >> Bits] ??= new T[Size];
            }
            return ref chunk[index & (Size - 1)];
        }
    }

    /// <summary>The value, or default where nothing was ever written (without allocating).</summary>
    public T Get(long index) => Volatile.Read(ref _chunks[index >> Bits]) is { } chunk ? chunk[index & (Size - 1)] : default!;
}

/// <summary>Which period a change was made in: only changes made in the measured period are judged.</summary>
public enum Phase : byte
{
    Setup,
    Warmup,
    Measured,
    Grace,
}

/// <summary>
/// Every change an agent made (a new span: another app or title, or idle), numbered from 1. Its
/// number is in the span's title, so a browser can tell which change a fragment shows; the time
/// the agent first sent it is taken from the same monotonic clock the browsers read.
/// </summary>
public sealed class ChangeLog
{
    private readonly ChunkedArray<long> _sentAt = new();
    private readonly ChunkedArray<int> _agent = new();
    private readonly ChunkedArray<Phase> _phase = new();
    private readonly Lock _lock = new();
    private long _count;

    public ChangeLog(string runTag) => RunTag = runTag;

    /// <summary>Tells this run's change numbers from those of earlier runs still on a reused server's board.</summary>
    public string RunTag { get; }

    public long Count => Volatile.Read(ref _count);

    public long Register(int agent, Phase phase)
    {
        lock (_lock)
        {
            var id = _count + 1;
            _agent[id] = agent;
            _phase[id] = phase;
            Volatile.Write(ref _count, id);
            return id;
        }
    }

    /// <summary>The first send counts (a change resent after a reconnect keeps its first time).</summary>
    public void MarkSent(long id, long timestamp)
    {
        ref var at = ref _sentAt[id];
        if (at == 0) Volatile.Write(ref at, timestamp);
    }

    public long SentAt(long id) => Volatile.Read(ref _sentAt[id]);

    public int AgentOf(long id) => _agent.Get(id);

    public Phase PhaseOf(long id) => _phase.Get(id);

    public string Marker(long id) => $"[c{RunTag}-{id}]";
}
