using System.Collections.Concurrent;

namespace Presently.Server.Agents;

/// <summary>One live connection per agent: a new one replaces (and closes) the old.</summary>
public sealed class AgentConnections
{
    private readonly ConcurrentDictionary<string, AgentSession> _byAgent = new(StringComparer.Ordinal);

    /// <summary>Registers <paramref name="session"/> and returns the one it replaced, if any.</summary>
    public AgentSession? Register(string agentId, AgentSession session)
    {
        AgentSession? previous = null;
        _byAgent.AddOrUpdate(agentId, session, (_, old) =>
        {
            previous = old;
            return session;
        });
        return previous;
    }

    public void Unregister(string agentId, AgentSession session) =>
        _byAgent.TryRemove(new KeyValuePair<string, AgentSession>(agentId, session));

    public bool IsConnected(string agentId) => _byAgent.ContainsKey(agentId);

    /// <summary>Closes the agent's live connection, if any, with <paramref name="code"/> (blocked, removed).</summary>
    public async Task CloseAsync(string agentId, int code, string reason)
    {
        if (_byAgent.TryGetValue(agentId, out var session)) await session.CloseAsync(code, reason);
    }
}
