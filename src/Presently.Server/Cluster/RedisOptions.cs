namespace Presently.Server.Cluster;

/// <summary>
/// Settings under <c>Presently:Redis</c>. With <see cref="Configuration"/> set, instances share through
/// Redis what one process kept to itself: the data-protection keys (so a sign-in cookie works on every
/// instance) and orders to close an agent's connection wherever it is held.
/// </summary>
public sealed class RedisOptions
{
    public const string Section = "Presently:Redis";

    /// <summary>A StackExchange.Redis configuration string, e.g. <c>redis.internal:6379,password=…</c>; empty: one instance, nothing shared.</summary>
    public string? Configuration { get; set; }

    /// <summary>Prefixes every key and channel, so several deployments can share one Redis.</summary>
    public string Prefix { get; set; } = "presently";

    /// <summary>How often each instance says it is alive.</summary>
    public TimeSpan HeartbeatInterval { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>
    /// An instance silent this long is taken for gone: the agents it held show offline until they
    /// reconnect elsewhere. At least twice <see cref="HeartbeatInterval"/>.
    /// </summary>
    public TimeSpan InstanceTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Why these settings will not do, or null.</summary>
    public string? Problem() =>
        string.IsNullOrWhiteSpace(Prefix) || Prefix.Length > 64 || Prefix.Any(char.IsWhiteSpace) ? $"{Section}:Prefix is 1 to 64 characters without spaces"
        : HeartbeatInterval < TimeSpan.FromMilliseconds(50) || HeartbeatInterval > TimeSpan.FromMinutes(1) ? $"{Section}:HeartbeatInterval is from 50 ms to a minute"
        : InstanceTimeout < 2 * HeartbeatInterval || InstanceTimeout > TimeSpan.FromMinutes(10) ? $"{Section}:InstanceTimeout is from twice the heartbeat interval to 10 minutes"
        : null;

    public bool Enabled => !string.IsNullOrWhiteSpace(Configuration);

    /// <summary>A key or channel of this deployment: <c>{Prefix}:{name}</c>.</summary>
    public string Key(string name) => $"{Prefix}:{name}";
}
