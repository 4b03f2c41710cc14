using System.Collections.Concurrent;
using Presently.Protocol;
using Presently.Server.Live;
using StackExchange.Redis;

namespace Presently.Server.Cluster;

/// <summary>
/// Live-state changes with several instances. Each is applied here at once (when this instance shows a
/// board) and published on the live channel to every instance, this one included: applying its own
/// again in the channel's one order is what makes every instance end in the same state when two
/// instances race for one agent. The connections this instance holds are also kept in a Redis hash,
/// which a starting or recovering instance reads (<see cref="RedisLiveSync"/>).
/// </summary>
public sealed class RedisLiveUpdates : ILiveUpdates
{
    // Deletes the agent's record only if it is still this connection's: a newer one elsewhere stays.
    private const string DeleteIfSame = "if redis.call('HGET', KEYS[1], ARGV[1]) == ARGV[2] then return redis.call('HDEL', KEYS[1], ARGV[1]) end return 0";

    private readonly IConnectionMultiplexer _redis;
    private readonly RedisOptions _keys;
    private readonly ClusterInstance _instance;
    private readonly LiveState _live;
    private readonly ConcurrentDictionary<string, (Guid Session, string Record, LiveOp Op)> _held = new(StringComparer.Ordinal);

    public RedisLiveUpdates(IConnectionMultiplexer redis, RedisOptions keys, ClusterInstance instance, LiveState live)
    {
        _redis = redis;
        _keys = keys;
        _instance = instance;
        _live = live;
    }

    private bool ShowsBoard => _instance.Role.ServesPeople();

    public void Connected(Guid session, string agentId, string person, string host, string os, long clockOffsetMs)
    {
        var record = LiveOpCodec.Write(new LiveConnection(agentId, session, _instance.Id, person, host, os, clockOffsetMs));
        var op = new LiveOp(LiveOpKind.Connected, agentId, session, _instance.Id, person, host, os, clockOffsetMs);
        _held[agentId] = (session, record, op);
        if (ShowsBoard) _live.Connected(session, agentId, person, host, os, clockOffsetMs, _instance.Id);
        _redis.GetDatabase().HashSet(_keys.Key("live:connections"), agentId, record, flags: CommandFlags.FireAndForget);
        Publish(op);
    }

    public void SpansCommitted(IReadOnlyList<CommittedSpan> committed)
    {
        if (ShowsBoard) _live.SpansCommitted(committed);
        // One message per batch: each stays far below the codec's bound, whatever the group's size.
        foreach (var (session, agentId, span) in committed)
            Publish(new LiveOp(LiveOpKind.Spans, agentId, session, _instance.Id, Span: LiveSpan.Of(span)));
    }

    public void Disconnected(Guid session, string agentId)
    {
        if (_held.TryGetValue(agentId, out var held) && held.Session == session && _held.TryRemove(new(agentId, held)))
            _redis.GetDatabase().ScriptEvaluate(DeleteIfSame, [_keys.Key("live:connections")], [agentId, held.Record], CommandFlags.FireAndForget);
        if (ShowsBoard) _live.Disconnected(session, agentId);
        Publish(new LiveOp(LiveOpKind.Disconnected, agentId, session, _instance.Id));
    }

    public void Identify(string agentId, string person, string? name)
    {
        if (ShowsBoard) _live.Identify(agentId, person, name);
        Publish(new LiveOp(LiveOpKind.Identify, agentId, Instance: _instance.Id, Person: person, Name: name));
    }

    public void Removed(string agentId)
    {
        if (ShowsBoard) _live.Remove(agentId);
        Publish(new LiveOp(LiveOpKind.Removed, agentId, Instance: _instance.Id));
    }

    public void TeamsChanged() => Publish(new LiveOp(LiveOpKind.Teams, Instance: _instance.Id));

    /// <summary>Another instance took this one for gone (its heartbeat expired).</summary>
    public void InstanceGone(string instance) => Publish(new LiveOp(LiveOpKind.InstanceGone, Instance: instance));

    /// <summary>
    /// Writes this instance's connections to Redis again and tells every instance of them: after Redis
    /// restarted empty, or after other instances took this one for gone.
    /// </summary>
    public void Reannounce()
    {
        var db = _redis.GetDatabase();
        foreach (var (agentId, held) in _held)
        {
            db.HashSet(_keys.Key("live:connections"), agentId, held.Record, flags: CommandFlags.FireAndForget);
            Publish(held.Op);
        }
    }

    /// <summary>The connection records of a gone instance go; any agent it held that reconnected elsewhere since has a newer record, which stays.</summary>
    public async Task ForgetAsync(string instance)
    {
        var db = _redis.GetDatabase();
        await foreach (var entry in db.HashScanAsync(_keys.Key("live:connections"), pageSize: 1000))
            if (LiveOpCodec.Read<LiveConnection>(entry.Value) is { } c && c.Instance == instance)
                await db.ScriptEvaluateAsync(DeleteIfSame, [_keys.Key("live:connections")], [entry.Name, entry.Value]);
    }

    // Fire and forget, in order: one multiplexer sends this instance's commands in the order given.
    private void Publish(LiveOp op) =>
        _redis.GetSubscriber().Publish(RedisChannel.Literal(_keys.Key("live")), LiveOpCodec.Write(op), CommandFlags.FireAndForget);
}

/// <summary>This process among the instances: a name unique to this start, and its role.</summary>
public sealed record ClusterInstance(string Id, ServerRole Role)
{
    public static ClusterInstance Start(ServerRole role) =>
        new($"{Environment.MachineName}-{Environment.ProcessId}-{Guid.NewGuid().ToString("N")[..8]}", role);
}
