using System.Globalization;
using Presently.Server.Admin;
using Presently.Server.Agents;
using Presently.Server.Live;
using Presently.Storage;
using StackExchange.Redis;

namespace Presently.Server.Cluster;

/// <summary>
/// Keeps this instance's live state in step with the others through Redis: applies what the live
/// channel carries, in its one order; beats every <see cref="RedisOptions.HeartbeatInterval"/> and takes an instance whose
/// beat is older than <see cref="RedisOptions.InstanceTimeout"/> for gone (its agents go offline until they reconnect
/// elsewhere); and, at start and whenever Redis comes back, reads the whole state again — the store's
/// latest spans and the connections every instance holds — rather than trusting what it missed.
/// </summary>
public sealed class RedisLiveSync(
    IConnectionMultiplexer redis,
    RedisOptions keys,
    ClusterInstance instance,
    LiveState live,
    RedisLiveUpdates updates,
    Teams teams,
    ISpanStore store,
    AgentConnections connections,
    TimeProvider time,
    ILogger<RedisLiveSync> log) : BackgroundService
{
    // Changes that arrive while the state is read again, applied after it; bounded, past it read again.
    private const int MaxBuffered = 100_000;

    private readonly Lock _lock = new();
    private List<LiveOp>? _buffered;
    private ChannelMessageQueue? _channel;
    // Reads the state twice after Redis comes back: instances re-announce their connections at their own pace.
    private int _resyncs = instance.Role.ServesPeople() ? 1 : 0;
    private volatile bool _reannounce;
    private bool _beaten;

    /// <summary>The number of agents each other live instance holds, as of the last beat (for spreading agents).</summary>
    public IReadOnlyList<int> OtherLoads { get; private set; } = [];

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        redis.ConnectionRestored += OnRestored;
        try
        {
            using var timer = new PeriodicTimer(keys.HeartbeatInterval, time);
            do
            {
                try
                {
                    _channel ??= await SubscribeAsync();
                    if (_reannounce)
                    {
                        _reannounce = false;
                        updates.Reannounce();
                    }
                    await BeatAsync();
                    if (Volatile.Read(ref _resyncs) > 0)
                    {
                        await ResyncAsync(stoppingToken);
                        Interlocked.Decrement(ref _resyncs);
                    }
                }
                catch (Exception ex) when (ex is RedisException or TimeoutException || (store.IsTransient(ex) && !stoppingToken.IsCancellationRequested))
                {
                    log.LogWarning("Live state not shared for now: {Reason}", ex.Message);
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    // Tried again next beat: a sync that fails must not stop the server.
                    log.LogError(ex, "Live state sync failed");
                }
            }
            while (await timer.WaitForNextTickAsync(stoppingToken));
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        finally
        {
            redis.ConnectionRestored -= OnRestored;
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        // A clean stop says so at once; agents' own disconnects have been published by then.
        try
        {
            await redis.GetDatabase().HashDeleteAsync(keys.Key("instances"), instance.Id);
            updates.InstanceGone(instance.Id);
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            log.LogDebug("Could not sign off from Redis: {Reason}", ex.Message);
        }
    }

    private void OnRestored(object? sender, ConnectionFailedEventArgs e)
    {
        if (e.ConnectionType != ConnectionType.Interactive) return;
        _reannounce = true;
        if (instance.Role.ServesPeople()) Interlocked.Exchange(ref _resyncs, 2);
    }

    private async Task<ChannelMessageQueue> SubscribeAsync()
    {
        var queue = await redis.GetSubscriber().SubscribeAsync(RedisChannel.Literal(keys.Key("live")));
        // One message at a time, in the channel's order.
        queue.OnMessage(message => OnMessage(message.Message));
        return queue;
    }

    private void OnMessage(RedisValue message)
    {
        if (LiveOpCodec.Read<LiveOp>(message) is not { } op)
        {
            log.LogWarning("Ignored a live-state message that is not one ({Bytes} bytes)", ((byte[]?)message)?.Length ?? 0);
            return;
        }
        if (op.Kind == LiveOpKind.InstanceGone && op.Instance == instance.Id)
        {
            // Taken for gone while alive (a long pause, a partition): say again what this instance holds.
            _reannounce = true;
            return;
        }
        if (!instance.Role.ServesPeople()) return;
        lock (_lock)
        {
            if (_buffered is null) Apply(op);
            else if (_buffered.Count < MaxBuffered) _buffered.Add(op);
            else Interlocked.Exchange(ref _resyncs, 1);
        }
    }

    private void Apply(LiveOp op)
    {
        switch (op)
        {
            case { Kind: LiveOpKind.Connected, AgentId: { } id, Person: { } person, Host: { } host, Os: { } os }:
                live.Connected(op.Session, id, person, host, os, op.ClockOffsetMs, op.Instance);
                break;
            case { Kind: LiveOpKind.Spans, AgentId: { } id, Span: { } span }:
                live.SpansCommitted([new CommittedSpan(op.Session, id, span.ToRecord())]);
                break;
            case { Kind: LiveOpKind.Disconnected, AgentId: { } id }:
                live.Disconnected(op.Session, id);
                break;
            case { Kind: LiveOpKind.Identify, AgentId: { } id, Person: { } person }:
                live.Identify(id, person, op.Name);
                break;
            case { Kind: LiveOpKind.Removed, AgentId: { } id }:
                live.Remove(id);
                break;
            case { Kind: LiveOpKind.Teams } when op.Instance != instance.Id:
                _ = ReloadTeamsAsync();
                break;
            case { Kind: LiveOpKind.InstanceGone, Instance: { } gone }:
                live.InstanceGone(gone);
                break;
        }
    }

    private async Task ReloadTeamsAsync()
    {
        try
        {
            await teams.LoadAsync();
        }
        catch (Exception ex) when (store.IsTransient(ex))
        {
            // Read again with the next full read; until then the board keeps the teams it had.
            Interlocked.Exchange(ref _resyncs, 1);
            log.LogWarning("Could not reload teams: {Reason}", ex.Message);
        }
    }

    /// <summary>Writes this instance's beat and reads the others'; an instance silent too long is taken for gone, by whichever instance claims it first.</summary>
    private async Task BeatAsync()
    {
        var db = redis.GetDatabase();
        var now = time.GetUtcNow().ToUnixTimeMilliseconds();
        var added = await db.HashSetAsync(keys.Key("instances"), instance.Id, Beat.Write(now, connections.Count, instance.Role));
        // New in the hash after the first beat: Redis lost it, or another instance took this one for gone.
        if (added && _beaten) _reannounce = true;
        _beaten = true;
        var loads = new List<int>();
        foreach (var entry in await db.HashGetAllAsync(keys.Key("instances")))
        {
            if (entry.Name == instance.Id) continue;
            if (Beat.Read(entry.Value) is { } beat && now - beat.AtMs <= keys.InstanceTimeout.TotalMilliseconds)
            {
                if (beat.Role.ServesAgents()) loads.Add(beat.Agents);
                continue;
            }
            if (!await db.HashDeleteAsync(keys.Key("instances"), entry.Name)) continue; // another instance claimed it
            log.LogWarning("Instance {Instance} stopped beating; its agents are offline until they reconnect", (string?)entry.Name);
            updates.InstanceGone(entry.Name!);
            await updates.ForgetAsync(entry.Name!);
        }
        OtherLoads = loads;
    }

    private async Task ResyncAsync(CancellationToken ct)
    {
        lock (_lock) _buffered = [];
        try
        {
            var db = redis.GetDatabase();
            var now = time.GetUtcNow().ToUnixTimeMilliseconds();
            var alive = new HashSet<string>(StringComparer.Ordinal) { instance.Id };
            foreach (var entry in await db.HashGetAllAsync(keys.Key("instances")))
                if (Beat.Read(entry.Value) is { } beat && now - beat.AtMs <= keys.InstanceTimeout.TotalMilliseconds) alive.Add(entry.Name!);
            var held = new List<LiveConnection>();
            await foreach (var entry in db.HashScanAsync(keys.Key("live:connections"), pageSize: 1000).WithCancellation(ct))
                if (LiveOpCodec.Read<LiveConnection>(entry.Value) is { } c && alive.Contains(c.Instance) && c.AgentId == entry.Name) held.Add(c);
            var stored = await store.ListAgentsAsync(ct);
            live.Reset(stored, held);
            await teams.LoadAsync(ct);
        }
        finally
        {
            lock (_lock)
            {
                var buffered = _buffered!;
                _buffered = null;
                foreach (var op in buffered) Apply(op);
            }
        }
    }

    /// <summary>An instance's beat in the instances hash: "{unix ms} {agents held} {role}".</summary>
    private sealed record Beat(long AtMs, int Agents, ServerRole Role)
    {
        public static string Write(long atMs, int agents, ServerRole role) =>
            string.Create(CultureInfo.InvariantCulture, $"{atMs} {agents} {ServerRoles.Names[(int)role]}");

        public static Beat? Read(RedisValue value)
        {
            var parts = ((string?)value)?.Split(' ');
            return parts is { Length: 3 } && parts[0].Length <= 20
                && long.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var at)
                && int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var agents)
                && Array.IndexOf(ServerRoles.Names, parts[2]) is var role and >= 0
                ? new Beat(at, agents, (ServerRole)role)
                : null;
        }
    }
}
