using Presently.Server.Stores;
using StackExchange.Redis;

namespace Presently.Server.Cluster;

/// <summary>With several instances an instance is ready only while it reaches Redis: without it, boards and agent control stop being shared.</summary>
public sealed class RedisReadiness(IConnectionMultiplexer redis) : IReadinessProbe
{
    public async Task<string?> ProblemAsync(CancellationToken cancellationToken)
    {
        if (!redis.IsConnected) return "Redis cannot be reached";
        try
        {
            await redis.GetDatabase().PingAsync().WaitAsync(ReadinessEndpoints.PingTimeout, cancellationToken);
            return null;
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            return "Redis cannot be reached";
        }
    }
}
