using System.Text.Json;
using Presently.Protocol;
using Presently.Server.Agents;
using StackExchange.Redis;

namespace Presently.Server.Cluster;

/// <summary>
/// Agent control over Redis pub/sub: the order is published to every instance (this one included,
/// which also acts at once without waiting for Redis); each closes the agent if it holds it. An order
/// lost while Redis is down matters little: the credential check refuses the agent's reconnects.
/// </summary>
public sealed class RedisAgentControl : IAgentControl, IHostedService
{
    private readonly IConnectionMultiplexer _redis;
    private readonly AgentConnections _connections;
    private readonly ILogger<RedisAgentControl> _log;
    private readonly RedisChannel _channel;

    public RedisAgentControl(IConnectionMultiplexer redis, AgentConnections connections, RedisOptions options, ILogger<RedisAgentControl> log)
    {
        _redis = redis;
        _connections = connections;
        _log = log;
        _channel = RedisChannel.Literal(options.Key("agent-control"));
    }

    public async Task CloseAsync(string agentId, int code, string reason)
    {
        await _connections.CloseAsync(agentId, code, reason);
        await PublishAsync(new CloseOrder(agentId, code, reason, null));
    }

    public Task TakenOverAsync(string agentId, Guid session) =>
        PublishAsync(new CloseOrder(agentId, CloseCodes.Replaced, "replaced by a newer connection", session));

    private async Task PublishAsync(CloseOrder order)
    {
        try
        {
            await _redis.GetSubscriber().PublishAsync(_channel, JsonSerializer.Serialize(order));
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            _log.LogWarning(ex, "Could not pass the order to close agent {AgentId} to other instances", order.AgentId);
        }
    }

    public async Task StartAsync(CancellationToken cancellationToken) =>
        await _redis.GetSubscriber().SubscribeAsync(_channel, (channel, message) => _ = OnOrderAsync(message));

    public Task StopAsync(CancellationToken cancellationToken) => _redis.GetSubscriber().UnsubscribeAsync(_channel);

    private async Task OnOrderAsync(RedisValue message)
    {
        try
        {
            // Bounded: an order is a few hundred bytes; anything else on the channel is not ours.
            if (message.IsNullOrEmpty || ((byte[])message!).Length > 4096) return;
            if (JsonSerializer.Deserialize<CloseOrder>((string)message!) is { AgentId: { Length: > 0 } agentId } order)
                await _connections.CloseAsync(agentId, order.Code, order.Reason ?? "", order.Except);
        }
        catch (JsonException ex)
        {
            _log.LogWarning(ex, "Ignored a malformed agent-control message");
        }
    }

    /// <param name="Except">The connection that took over, which stays.</param>
    private sealed record CloseOrder(string AgentId, int Code, string? Reason, Guid? Except);
}
