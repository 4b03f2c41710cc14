using System.Threading.Channels;
using Presently.Server.Board;

namespace Presently.Server.Live;

/// <summary>
/// Pushes board changes to the browsers watching. A change renders one card once and queues that
/// fragment to each subscriber: the work follows what changed, not the number of agents.
/// A browser that cannot keep up is dropped; htmx reconnects it and it gets a fresh snapshot.
/// </summary>
public sealed class BoardFanOut
{
    private const int SubscriberQueue = 256;

    private readonly LiveState _live;
    private readonly BoardRenderer _renderer;
    private readonly Lock _lock = new();
    private readonly List<Channel<string>> _subscribers = [];

    public BoardFanOut(LiveState live, BoardRenderer renderer)
    {
        _live = live;
        _renderer = renderer;
        live.Changed += OnChanged;
        live.Removed += id => Broadcast(BoardRenderer.RenderRemoval(id));
    }

    /// <summary>Returns a reader that first yields the whole board, then one fragment per change.</summary>
    public ChannelReader<string> Subscribe(out Action unsubscribe)
    {
        var channel = Channel.CreateBounded<string>(new BoundedChannelOptions(SubscriberQueue) { SingleReader = true });
        _live.Snapshot(all =>
        {
            channel.Writer.TryWrite(_renderer.RenderSnapshot(all));
            lock (_lock) _subscribers.Add(channel);
        });
        unsubscribe = () =>
        {
            lock (_lock) _subscribers.Remove(channel);
            channel.Writer.TryComplete();
        };
        return channel.Reader;
    }

    private void OnChanged(AgentLiveView view, bool isNew)
    {
        lock (_lock)
        {
            if (_subscribers.Count == 0) return;
        }
        Broadcast(_renderer.RenderUpdate(view, isNew));
    }

    private void Broadcast(string fragment)
    {
        Channel<string>[] targets;
        lock (_lock)
        {
            if (_subscribers.Count == 0) return;
            targets = [.. _subscribers];
        }
        foreach (var channel in targets)
        {
            if (channel.Writer.TryWrite(fragment)) continue;
            lock (_lock) _subscribers.Remove(channel);
            channel.Writer.TryComplete();
        }
    }
}
