using Presently.Server.Agents;

namespace Presently.Server.Cluster;

/// <summary>
/// "Close agent X wherever it is connected": how admin actions reach an agent's live connection. One
/// instance closes its own; several instances pass the order over Redis, so block and remove act on
/// whichever instance holds the agent. Chosen once at start (<see cref="ClusterSetup"/>).
/// </summary>
public interface IAgentControl
{
    Task CloseAsync(string agentId, int code, string reason);

    /// <summary>This instance now holds <paramref name="agentId"/> through <paramref name="session"/>: any other connection of it, on any instance, lets go.</summary>
    Task TakenOverAsync(string agentId, Guid session);
}

/// <summary>A single instance: the agent, if connected, is connected here.</summary>
public sealed class LocalAgentControl(AgentConnections connections) : IAgentControl
{
    public Task CloseAsync(string agentId, int code, string reason) => connections.CloseAsync(agentId, code, reason);

    // Registering the new connection already closed the old one here.
    public Task TakenOverAsync(string agentId, Guid session) => Task.CompletedTask;
}
