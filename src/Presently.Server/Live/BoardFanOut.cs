using System.Threading.Channels;
using Presently.Server.Auth;
using Presently.Server.Board;

namespace Presently.Server.Live;

/// <summary>
/// Pushes board changes to the browsers watching. A change renders one person's card at most once
/// per level of detail (full, presence) and queues it to each subscriber allowed to see it: the
/// work follows what changed, not the number of agents. A browser that cannot keep up is dropped;
/// htmx reconnects it and it gets a fresh snapshot. So does every browser when teams change.
/// </summary>
public sealed class BoardFanOut
{
    private const int SubscriberQueue = 256;

    private readonly LiveState _live;
    private readonly BoardFragments _fragments;
    private readonly VisibilityPolicy _visibility;
    private readonly Lock _lock = new();
    private readonly List<Subscriber> _subscribers = [];

    private sealed record Subscriber(Viewer Viewer, Channel<string> Channel);

    public BoardFanOut(LiveState live, BoardFragments fragments, VisibilityPolicy visibility)
    {
        _live = live;
        _fragments = fragments;
        _visibility = visibility;
        live.PersonChanged += OnPersonChanged;
        live.Regrouped += OnRegrouped;
    }

    /// <summary>Returns a reader that first yields the whole board as <paramref name="viewer"/> may see it, then one fragment per change.</summary>
    public ChannelReader<string> Subscribe(Viewer viewer, out Action unsubscribe)
    {
        var subscriber = new Subscriber(viewer, Channel.CreateBounded<string>(new BoundedChannelOptions(SubscriberQueue) { SingleReader = true }));
        _live.People((teams, people) =>
        {
            subscriber.Channel.Writer.TryWrite(Snapshot(viewer, teams, people));
            lock (_lock) _subscribers.Add(subscriber);
        });
        unsubscribe = () =>
        {
            lock (_lock) _subscribers.Remove(subscriber);
            subscriber.Channel.Writer.TryComplete();
        };
        return subscriber.Channel.Reader;
    }

    private string Snapshot(Viewer viewer, IReadOnlyList<Storage.Team> teams, IReadOnlyList<PersonLiveView> people) =>
        _fragments.Snapshot(teams, people, p => _visibility.For(viewer, p.Person));

    private void OnRegrouped()
    {
        Subscriber[] targets;
        lock (_lock) targets = [.. _subscribers];
        if (targets.Length == 0) return;
        _live.People((teams, people) =>
        {
            foreach (var s in targets) Send(s, Snapshot(s.Viewer, teams, people));
        });
    }

    private void OnPersonChanged(PersonLiveView? before, PersonLiveView? after)
    {
        var person = (after ?? before)!.Person;
        // A presence card that would look the same is not sent: the timing of app switches is activity too.
        var presenceSame = before is not null && after is not null && before.ShowsSamePresenceAs(after);
        var rendered = new string?[3];
        Broadcast(viewer =>
        {
            var detail = _visibility.For(viewer, person);
            if (detail == Detail.None || (detail == Detail.Presence && presenceSame)) return null;
            return rendered[(int)detail] ??= _fragments.Change(before, after, detail);
        });
    }

    private void Broadcast(Func<Viewer, string?> fragmentFor)
    {
        Subscriber[] targets;
        lock (_lock)
        {
            if (_subscribers.Count == 0) return;
            targets = [.. _subscribers];
        }
        foreach (var s in targets)
            if (fragmentFor(s.Viewer) is { } fragment) Send(s, fragment);
    }

    private void Send(Subscriber s, string fragment)
    {
        if (s.Channel.Writer.TryWrite(fragment)) return;
        lock (_lock) _subscribers.Remove(s);
        s.Channel.Writer.TryComplete();
    }
}
