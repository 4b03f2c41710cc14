using System.Collections.Concurrent;

namespace Presently.Server.Agents;

/// <summary>
/// One live connection per agent: a new one replaces (and closes) the old. And at most one
/// connection per agent that has not yet said Hello, so a stolen or buggy credential cannot pile up
/// half-open sockets.
/// </summary>
public sealed class AgentConnections
{
    private readonly ConcurrentDictionary<string, AgentSession> _byAgent = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, PendingLease> _pending = new(StringComparer.Ordinal);

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

    /// <summary>How many agents are connected (past Hello) to this instance.</summary>
    public int Count => _byAgent.Count;

    /// <summary>Up to <paramref name="count"/> connections picked at random (to ask them to move elsewhere).</summary>
    public IReadOnlyList<AgentSession> Sample(int count)
    {
        var all = _byAgent.Values.ToArray();
        Random.Shared.Shuffle(all);
        return all[..Math.Min(count, all.Length)];
    }

    /// <summary>Closes the agent's live connection, if any and unless it is <paramref name="except"/>, with <paramref name="code"/> (blocked, removed, replaced).</summary>
    public async Task CloseAsync(string agentId, int code, string reason, Guid? except = null)
    {
        if (_byAgent.TryGetValue(agentId, out var session) && session.Id != except) await session.CloseAsync(code, reason);
    }

    /// <summary>
    /// Claims the agent's one slot for a connection still waiting for Hello; null when another
    /// connection holds it. Disposing the lease (after Hello, or when the connection ends) frees it.
    /// </summary>
    public IDisposable? TryBeginPending(string agentId)
    {
        var lease = new PendingLease(this, agentId);
        return _pending.TryAdd(agentId, lease) ? lease : null;
    }

    private sealed class PendingLease(AgentConnections owner, string agentId) : IDisposable
    {
        // Removes only this lease, never one a later connection took after this one was freed.
        public void Dispose() => owner._pending.TryRemove(new KeyValuePair<string, PendingLease>(agentId, this));
    }
}
