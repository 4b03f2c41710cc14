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

    public bool Enabled => !string.IsNullOrWhiteSpace(Configuration);
}
