using System.Threading.Channels;
using Presently.Server.Auth;
using Presently.Server.Board;

namespace Presently.Server.Live;

/// <summary>
/// Pushes board changes to the browsers watching. A change renders one card at most once per
/// level of detail (full, presence) and queues it to each subscriber allowed to see it: the work
/// follows what changed, not the number of agents. A browser that cannot keep up is dropped; htmx
/// reconnects it and it gets a fresh snapshot.
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
        live.Changed += OnChanged;
        live.Removed += id =>
        {
            var removal = _fragments.Removal(id);
            Broadcast(_ => removal);
        };
    }

    /// <summary>Returns a reader that first yields the whole board as <paramref name="viewer"/> may see it, then one fragment per change.</summary>
    public ChannelReader<string> Subscribe(Viewer viewer, out Action unsubscribe)
    {
        var subscriber = new Subscriber(viewer, Channel.CreateBounded<string>(new BoundedChannelOptions(SubscriberQueue) { SingleReader = true }));
        _live.Snapshot(all =>
        {
            subscriber.Channel.Writer.TryWrite(_fragments.Snapshot(all, a => _visibility.For(viewer, a.Person)));
            lock (_lock) _subscribers.Add(subscriber);
        });
        unsubscribe = () =>
        {
            lock (_lock) _subscribers.Remove(subscriber);
            subscriber.Channel.Writer.TryComplete();
        };
        return subscriber.Channel.Reader;
    }

    private void OnChanged(AgentLiveView? old, AgentLiveView view)
    {
        var isNew = old is null;
        // A presence card that would look the same is not sent: the timing of app switches is activity too.
        var presenceSame = old is not null && old.ShowsSamePresenceAs(view);
        var rendered = new string?[3];
        Broadcast(viewer =>
        {
            var detail = _visibility.For(viewer, view.Person);
            if (detail == Detail.None || (detail == Detail.Presence && presenceSame)) return null;
            return rendered[(int)detail] ??= _fragments.Update(view, isNew, detail);
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
        {
            if (fragmentFor(s.Viewer) is not { } fragment || s.Channel.Writer.TryWrite(fragment)) continue;
            lock (_lock) _subscribers.Remove(s);
            s.Channel.Writer.TryComplete();
        }
    }
}
