using Presently.Protocol;
using Presently.Storage;

namespace Presently.Server.Live;

/// <summary>
/// Per agent: connected or not, current span, last contact; per person: their agents and team.
/// Every change of a person's card is written to the board feed under the same lock that guards the
/// state, so the feed holds the changes in the order they happened.
/// </summary>
public sealed class LiveState
{
    private readonly Lock _lock = new();
    private readonly Dictionary<string, AgentLiveView> _agents = new(StringComparer.Ordinal);
    private readonly Dictionary<string, HashSet<string>> _agentsOfPerson = new(StringComparer.Ordinal);
    // Each connected agent's live connection, and the instance holding it (null: this one, when alone).
    private readonly Dictionary<string, (Guid Session, string? Instance)> _sessions = new(StringComparer.Ordinal);
    private IReadOnlyDictionary<string, Team> _teamOf = new Dictionary<string, Team>();
    private IReadOnlyList<Team> _teams = [];
    private readonly TimeProvider _time;
    private readonly MeetingRules _meetings;
    private readonly IBoardFeed _feed;

    public LiveState(TimeProvider time, MeetingRules meetings, IBoardFeed feed)
    {
        _time = time;
        _meetings = meetings;
        _feed = feed;
    }

    public void Load(IEnumerable<AgentSummary> stored)
    {
        lock (_lock)
        {
            foreach (var a in stored) Set(Offline(a));
        }
    }

    /// <summary>
    /// Starts over from the store and the connections every instance holds (after Redis came back, or
    /// at start): whatever was missed while away is not replayed, it is read. Every board gets the whole board again.
    /// </summary>
    public void Reset(IEnumerable<AgentSummary> stored, IEnumerable<LiveConnection> connections)
    {
        lock (_lock)
        {
            // Display names are not in the summaries: kept from what this instance knew.
            var views = stored.ToDictionary(a => a.AgentId, a => Offline(a) with { Name = _agents.GetValueOrDefault(a.AgentId)?.Name }, StringComparer.Ordinal);
            _agents.Clear();
            _agentsOfPerson.Clear();
            _sessions.Clear();
            foreach (var c in connections)
            {
                _sessions[c.AgentId] = (c.Session, c.Instance);
                var old = views.GetValueOrDefault(c.AgentId);
                views[c.AgentId] = new AgentLiveView(c.AgentId, c.Person, c.Host, c.Os, true, old?.Current, _time.GetUtcNow(), c.ClockOffsetMs, old?.Name);
            }
            foreach (var view in views.Values)
            {
                var fresh = view with { InMeeting = _meetings.Matches(view.Current) };
                _agents[view.AgentId] = fresh with { StatusSince = fresh.Since };
                Index(_agents[view.AgentId]);
            }
            _feed.Regroup(_teams, [.. _agentsOfPerson.Keys.Select(p => PersonView(p)!)]);
        }
    }

    private AgentLiveView Offline(AgentSummary a)
    {
        var current = a.LastSpan is { } s
            ? new SpanRecord(s.Seq, s.SpanId, s.Start.ToUnixTimeMilliseconds(), s.End.ToUnixTimeMilliseconds(), s.State, s.App, s.Title, s.Context)
            : null;
        return new AgentLiveView(a.AgentId, a.PersonName, a.Host, a.Os, false, current, a.LastSeen ?? _time.GetUtcNow(), a.ClockOffsetMs);
    }

    /// <summary>
    /// Marks the agent connected through <paramref name="session"/> (held by <paramref name="instance"/>; null:
    /// this instance, alone); a newer session supersedes older ones.
    /// </summary>
    public void Connected(Guid session, string agentId, string person, string host, string os, long clockOffsetMs, string? instance = null)
    {
        lock (_lock)
        {
            if (_sessions.TryGetValue(agentId, out var live) && live.Session == session) return;
            _sessions[agentId] = (session, instance);
            var old = _agents.GetValueOrDefault(agentId);
            Set(new AgentLiveView(agentId, person, host, os, true, old?.Current, _time.GetUtcNow(), clockOffsetMs, old?.Name));
        }
    }

    /// <summary>An instance stopped without saying so (its heartbeat expired): the agents it held are offline until they reconnect elsewhere.</summary>
    public void InstanceGone(string instance)
    {
        lock (_lock)
        {
            foreach (var (agentId, live) in _sessions.Where(s => s.Value.Instance == instance).ToList())
            {
                _sessions.Remove(agentId);
                if (_agents.TryGetValue(agentId, out var view)) Set(view with { Connected = false, LastContact = _time.GetUtcNow() });
            }
        }
    }

    /// <summary>
    /// A group commit's spans, under one lock: taken once per batch by every acknowledging session at
    /// once, the lock was contended enough to cost an eighth of the server's CPU at 10,000 agents.
    /// </summary>
    public void SpansCommitted(IReadOnlyList<CommittedSpan> committed)
    {
        lock (_lock)
        {
            var now = _time.GetUtcNow();
            foreach (var (session, agentId, span) in committed)
            {
                if (!_agents.TryGetValue(agentId, out var view)) continue;
                var latest = view.Current is { } current && current.Seq >= span.Seq ? current : span;
                var connected = _sessions.TryGetValue(agentId, out var live) && live.Session == session;
                Set(view with { Current = latest, LastContact = now, Connected = connected || view.Connected });
            }
        }
    }

    /// <summary>Marks the agent offline, unless a newer session has already taken over.</summary>
    public void Disconnected(Guid session, string agentId)
    {
        lock (_lock)
        {
            if (!_sessions.TryGetValue(agentId, out var live) || live.Session != session) return;
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
            if (!_agents.TryGetValue(agentId, out var view)) return;
            var before = PersonView(view.Person);
            _agents.Remove(agentId);
            Unindex(view);
            _feed.Publish(before, PersonView(view.Person));
        }
    }

    /// <summary>Who is in which team (loaded at start and after every change an admin makes).</summary>
    public void SetTeams(IReadOnlyList<Team> teams, IReadOnlyDictionary<string, Team> teamOf)
    {
        lock (_lock)
        {
            _teams = [.. teams.OrderBy(t => t.Name, StringComparer.Ordinal)];
            _teamOf = teamOf;
            _feed.Regroup(_teams, [.. _agentsOfPerson.Keys.Select(p => PersonView(p)!)]);
        }
    }

    public PersonLiveView? Person(string person)
    {
        lock (_lock) return PersonView(person);
    }

    public AgentLiveView? Get(string agentId)
    {
        lock (_lock) return _agents.GetValueOrDefault(agentId);
    }

    private void Set(AgentLiveView view)
    {
        var isNew = !_agents.TryGetValue(view.AgentId, out var old);
        // Checkpoints only move the end of the span in front: its meeting verdict stands.
        var sameFront = old?.Current is { } was && view.Current is { } now && was.State == now.State && was.App == now.App
            && was.Title == now.Title && was.Context?[ContextKeys.Site] == now.Context?[ContextKeys.Site];
        view = view with { InMeeting = sameFront ? old!.InMeeting : _meetings.Matches(view.Current) };
        view = view with { StatusSince = !isNew && old!.Status == view.Status ? old.StatusSince : view.Since };
        if (!isNew && old!.ShowsSameAs(view))
        {
            _agents[view.AgentId] = view;
            return;
        }
        var before = PersonView(view.Person);
        var formerOwner = old is not null && old.Person != view.Person ? PersonView(old.Person) : null;
        if (old is not null) Unindex(old);
        _agents[view.AgentId] = view;
        Index(view);
        if (formerOwner is not null) _feed.Publish(formerOwner, PersonView(formerOwner.Person));
        _feed.Publish(before, PersonView(view.Person));
    }

    private PersonLiveView? PersonView(string person) =>
        _agentsOfPerson.TryGetValue(person, out var ids)
            ? PersonLiveView.Of(person, _teamOf.GetValueOrDefault(person), ids.Select(id => _agents[id]))
            : null;

    private void Index(AgentLiveView view)
    {
        if (!_agentsOfPerson.TryGetValue(view.Person, out var ids)) _agentsOfPerson[view.Person] = ids = new(StringComparer.Ordinal);
        ids.Add(view.AgentId);
    }

    private void Unindex(AgentLiveView view)
    {
        if (_agentsOfPerson.TryGetValue(view.Person, out var ids) && ids.Remove(view.AgentId) && ids.Count == 0) _agentsOfPerson.Remove(view.Person);
    }
}
