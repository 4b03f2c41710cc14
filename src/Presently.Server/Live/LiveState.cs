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
    private readonly Dictionary<string, Guid> _sessions = new(StringComparer.Ordinal);
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
            var old = _agents.GetValueOrDefault(agentId);
            Set(new AgentLiveView(agentId, person, host, os, true, old?.Current, _time.GetUtcNow(), clockOffsetMs, old?.Name));
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
