using Presently.Protocol;
using Presently.Storage;

namespace Presently.Server.Live;

/// <summary>
/// Per agent: connected or not, current span, last contact. Every change is announced to
/// <see cref="Changed"/> under the same lock that guards the state, so a subscriber that takes a
/// snapshot with <see cref="Snapshot"/> sees each later change exactly once and in order.
/// </summary>
public sealed class LiveState
{
    private readonly Lock _lock = new();
    private readonly Dictionary<string, AgentLiveView> _agents = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Guid> _sessions = new(StringComparer.Ordinal);
    private readonly TimeProvider _time;

    public LiveState(TimeProvider time) => _time = time;

    /// <summary>Raised under the lock with the previous view (null when the agent is new to the board) and the new one.</summary>
    public event Action<AgentLiveView?, AgentLiveView>? Changed;

    /// <summary>Raised under the lock when an agent leaves the board (removed by an admin).</summary>
    public event Action<string>? Removed;

    public void Load(IEnumerable<AgentSummary> stored)
    {
        lock (_lock)
        {
            foreach (var a in stored)
            {
                var current = a.LastSpan is { } s
                    ? new SpanRecord(s.Seq, s.SpanId, s.Start.ToUnixTimeMilliseconds(), s.End.ToUnixTimeMilliseconds(), s.State, s.App, s.Title, s.Context)
                    : null;
                Set(new AgentLiveView(a.AgentId, a.PersonName, a.Host, a.Os, false, current,
                    a.LastSeen ?? _time.GetUtcNow(), a.ClockOffsetMs));
            }
        }
    }

    /// <summary>Marks the agent connected through <paramref name="session"/>; a newer session supersedes older ones.</summary>
    public void Connected(Guid session, string agentId, string person, string host, string os, long clockOffsetMs)
    {
        lock (_lock)
        {
            _sessions[agentId] = session;
            var current = _agents.TryGetValue(agentId, out var old) ? old.Current : null;
            Set(new AgentLiveView(agentId, person, host, os, true, current, _time.GetUtcNow(), clockOffsetMs));
        }
    }

    public void SpansCommitted(Guid session, string agentId, IReadOnlyList<SpanRecord> spans)
    {
        lock (_lock)
        {
            if (!_agents.TryGetValue(agentId, out var view)) return;
            var latest = view.Current;
            foreach (var s in spans)
                if (latest is null || s.Seq > latest.Seq) latest = s;
            var connected = _sessions.TryGetValue(agentId, out var live) && live == session;
            Set(view with { Current = latest, LastContact = _time.GetUtcNow(), Connected = connected || view.Connected });
        }
    }

    /// <summary>Marks the agent offline, unless a newer session has already taken over.</summary>
    public void Disconnected(Guid session, string agentId)
    {
        lock (_lock)
        {
            if (!_sessions.TryGetValue(agentId, out var live) || live != session) return;
            _sessions.Remove(agentId);
            if (_agents.TryGetValue(agentId, out var view))
                Set(view with { Connected = false, LastContact = _time.GetUtcNow() });
        }
    }

    /// <summary>A new owner or display name for the agent (admin actions).</summary>
    public void Identify(string agentId, string person, string? name)
    {
        lock (_lock)
        {
            if (_agents.TryGetValue(agentId, out var view)) Set(view with { Person = person, Name = name });
        }
    }

    public void Remove(string agentId)
    {
        lock (_lock)
        {
            _sessions.Remove(agentId);
            if (_agents.Remove(agentId)) Removed?.Invoke(agentId);
        }
    }

    /// <summary>Runs <paramref name="action"/> with a consistent copy of every agent, holding off changes meanwhile.</summary>
    public void Snapshot(Action<IReadOnlyList<AgentLiveView>> action)
    {
        lock (_lock)
        {
            action(_agents.Values.OrderBy(a => a.Person, StringComparer.Ordinal).ThenBy(a => a.Host, StringComparer.Ordinal).ToList());
        }
    }

    public AgentLiveView? Get(string agentId)
    {
        lock (_lock) return _agents.GetValueOrDefault(agentId);
    }

    private void Set(AgentLiveView view)
    {
        var isNew = !_agents.TryGetValue(view.AgentId, out var old);
        view = view with { StatusSince = !isNew && old!.Status == view.Status ? old.StatusSince : view.Since };
        _agents[view.AgentId] = view;
        if (isNew || !old!.ShowsSameAs(view)) Changed?.Invoke(old, view);
    }
}
