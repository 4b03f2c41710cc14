using Presently.Protocol;
using Presently.Server.Agents;

namespace Presently.Server.Cluster;

/// <summary>Sheds agents this instance holds beyond its share (<see cref="RebalanceOptions"/>); the share comes from the other instances' beats.</summary>
public sealed class Rebalancer(RebalanceOptions options, RedisOptions redis, AgentConnections connections, RedisLiveSync cluster, TimeProvider time, ILogger<Rebalancer> log) : BackgroundService
{
    /// <summary>How many agents to ask to move when this instance holds <paramref name="mine"/> and the others <paramref name="others"/>.</summary>
    public static int Excess(int mine, IReadOnlyList<int> others, double tolerance, int minimumExcess)
    {
        if (others.Count == 0) return 0;
        var fair = (int)Math.Ceiling((mine + (double)others.Sum()) / (others.Count + 1));
        var excess = mine - fair;
        return mine > fair * (1 + tolerance) && excess >= minimumExcess ? excess : 0;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!options.Enabled) return;
        using var timer = new PeriodicTimer(options.Interval, time);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                var others = cluster.OtherLoads;
                var excess = Excess(connections.Count, others, options.Tolerance, options.MinimumExcess);
                if (excess == 0) continue;
                log.LogInformation("Holding {Mine} agents while the other {Count} instances hold {Others}: asking {Excess} to reconnect",
                    connections.Count, others.Count, string.Join(", ", others), excess);
                foreach (var session in connections.Sample(excess))
                    await session.CloseAsync(CloseCodes.Rebalance, RetryHint.Format(options.Spread * Random.Shared.NextDouble()));
                // Judged again only once they could all have reconnected and the counts been beaten: agents
                // still on their way would otherwise look like room, and more would be sent after them.
                await Task.Delay(options.Spread + 2 * redis.HeartbeatInterval, time, stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }
}
