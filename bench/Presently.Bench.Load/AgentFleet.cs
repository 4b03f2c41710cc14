using System.Collections.Concurrent;
using System.Diagnostics;

namespace Presently.Bench.Load;

/// <summary>
/// All simulated agents, driven by one timer loop: it pops the agents whose switch or checkpoint is
/// due from a priority queue (about agents/switch-seconds + agents/checkpoint-seconds a second), starts
/// reconnects whose backoff has passed, and checks for late acks once a second. Sending and receiving
/// are asynchronous socket operations, so ten thousand agents need no ten thousand tasks spinning.
/// </summary>
public sealed class AgentFleet : IAsyncDisposable
{
    private static readonly TimeSpan Tick = TimeSpan.FromMilliseconds(10);

    private readonly List<SimAgent> _agents;
    private readonly ConcurrentQueue<SimAgent> _started = new();
    private readonly ConcurrentQueue<SimAgent> _lost = new();
    private readonly CancellationTokenSource _stopping = new();
    private readonly SemaphoreSlim _connecting;
    private Task? _driver;

    public AgentFleet(Uri agentUri, IReadOnlyList<AgentCredential> credentials, LoadOptions options, ChangeLog changes, RunStats stats)
    {
        AgentUri = agentUri;
        Options = options;
        Changes = changes;
        Stats = stats;
        _connecting = new SemaphoreSlim(Math.Max(1, options.ConnectWave));
        _agents = [.. credentials.Select((c, i) => new SimAgent(this, i, c, options.Seed))];
    }

    public Uri AgentUri { get; }

    public LoadOptions Options { get; }

    public ChangeLog Changes { get; }

    public RunStats Stats { get; }

    internal CancellationToken Stopping => _stopping.Token;

    public int Count => _agents.Count;

    public int ConnectedCount => _agents.Count(a => a.Connected);

    /// <summary>
    /// Connects every agent, at most <see cref="LoadOptions.ConnectWave"/> at once (a slot frees when its
    /// Welcome arrives), and starts the timer loop. Agents that fail are retried by the loop with backoff.
    /// </summary>
    public async Task ConnectAllAsync(Action<int>? progress, CancellationToken ct)
    {
        _driver ??= Task.Run(DriveAsync, CancellationToken.None);
        var done = 0;
        var tasks = new List<Task>(_agents.Count);
        foreach (var agent in _agents)
        {
            await _connecting.WaitAsync(ct);
            tasks.Add(Task.Run(async () =>
            {
                try
                {
                    if (await agent.ConnectAsync(_stopping.Token)) _started.Enqueue(agent);
                }
                finally
                {
                    _connecting.Release();
                    progress?.Invoke(Interlocked.Increment(ref done));
                }
            }, CancellationToken.None));
        }
        await Task.WhenAll(tasks);
    }

    /// <summary>Called by an agent that lost its connection: the loop reconnects it when its backoff is over.</summary>
    internal void Reconnect(SimAgent agent) => _lost.Enqueue(agent);

    /// <summary>Batches sent before <paramref name="before"/> and never acknowledged.</summary>
    public long UnackedSentBefore(long before) => _agents.Sum(a => (long)a.UnackedSentBefore(before));

    private async Task DriveAsync()
    {
        var due = new PriorityQueue<SimAgent, long>();
        var reconnects = new PriorityQueue<SimAgent, long>();
        var scheduled = new HashSet<int>();
        using var timer = new PeriodicTimer(Tick);
        var nextAckCheck = Stopwatch.GetTimestamp();
        try
        {
            while (await timer.WaitForNextTickAsync(_stopping.Token))
            {
                var now = Stopwatch.GetTimestamp();
                while (_started.TryDequeue(out var a))
                    if (scheduled.Add(a.Index)) due.Enqueue(a, a.NextDue);
                while (_lost.TryDequeue(out var a)) reconnects.Enqueue(a, a.ReconnectAt);

                while (due.TryPeek(out var a, out var at) && at <= now)
                {
                    due.Dequeue();
                    a.OnDue(now);
                    due.Enqueue(a, a.NextDue);
                }

                while (reconnects.TryPeek(out var a, out var at) && at <= now && _connecting.Wait(0))
                {
                    reconnects.Dequeue();
                    _ = Task.Run(async () =>
                    {
                        try
                        {
                            if (await a.ConnectAsync(_stopping.Token)) _started.Enqueue(a);
                        }
                        finally
                        {
                            _connecting.Release();
                        }
                    }, CancellationToken.None);
                }

                if (now >= nextAckCheck)
                {
                    nextAckCheck = now + Stopwatch.Frequency;
                    foreach (var a in _agents) a.CheckAckTimeout(now);
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    /// <summary>Stops the loop and closes every agent's socket as the agent does when it stops (a close frame, 3 s at most).</summary>
    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync();
        if (_driver is not null) await _driver;
        foreach (var chunk in _agents.Chunk(500)) await Task.WhenAll(chunk.Select(a => a.CloseAsync()));
        _stopping.Dispose();
        _connecting.Dispose();
    }
}
