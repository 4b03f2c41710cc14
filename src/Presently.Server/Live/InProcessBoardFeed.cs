using Presently.Storage;

namespace Presently.Server.Live;

/// <summary>
/// The board feed of a single instance: a card per person in a list ordered by their last change, so
/// a reader finds what changed since its position by walking back from the end — work in proportion
/// to the changes, not the board. Readers wait on one task that the next change completes.
/// </summary>
public sealed class InProcessBoardFeed : IBoardFeed
{
    private readonly Lock _lock = new();
    private readonly Dictionary<string, LinkedListNode<CardVersion>> _cards = new(StringComparer.Ordinal);
    private readonly LinkedList<CardVersion> _byChange = new();
    private IReadOnlyList<Team> _teams = [];
    private FeedPosition _position = new(1, 0);
    private TaskCompletionSource? _next;

    public void Publish(PersonLiveView? before, PersonLiveView? after)
    {
        var person = (after ?? before)?.Person;
        if (person is null) return;
        lock (_lock)
        {
            var seq = _position.Seq + 1;
            _position = _position with { Seq = seq };
            var presenceChanged = before is null || after is null || !before.ShowsSamePresenceAs(after);
            if (_cards.TryGetValue(person, out var node))
            {
                var presenceSeq = presenceChanged || node.Value.Card is null ? seq : node.Value.PresenceSeq;
                _byChange.Remove(node);
                node.Value = new CardVersion(person, after, seq, presenceSeq);
                _byChange.AddLast(node);
            }
            else
            {
                _cards[person] = _byChange.AddLast(new CardVersion(person, after, seq, seq));
            }
            Wake();
        }
    }

    public void Regroup(IReadOnlyList<Team> teams, IReadOnlyList<PersonLiveView> people)
    {
        lock (_lock)
        {
            _position = new FeedPosition(_position.Layout + 1, _position.Seq + 1);
            _teams = [.. teams.OrderBy(t => t.Name, StringComparer.Ordinal)];
            _cards.Clear();
            _byChange.Clear();
            foreach (var p in people) _cards[p.Person] = _byChange.AddLast(new CardVersion(p.Person, p, _position.Seq, _position.Seq));
            Wake();
        }
    }

    public BoardState Current()
    {
        FeedPosition position;
        IReadOnlyList<Team> teams;
        var cards = new List<CardVersion>();
        lock (_lock)
        {
            position = _position;
            teams = _teams;
            cards.Capacity = _cards.Count;
            foreach (var v in _byChange)
                if (v.Card is not null) cards.Add(v);
        }
        // Sorted outside the lock: writers wait on it.
        cards.Sort((x, y) => PersonLiveView.BoardOrder.Compare(x.Card, y.Card));
        return new BoardState(position, teams, cards);
    }

    public IReadOnlyList<CardVersion>? ChangesSince(FeedPosition position, out FeedPosition upTo)
    {
        var changes = new List<CardVersion>();
        lock (_lock)
        {
            upTo = _position;
            if (position.Layout != _position.Layout) return null;
            for (var node = _byChange.Last; node is not null && node.Value.Seq > position.Seq; node = node.Previous)
                changes.Add(node.Value);
        }
        changes.Reverse();
        return changes;
    }

    public Task WaitAsync(FeedPosition position, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            if (_position != position) return Task.CompletedTask;
            _next ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            return _next.Task.WaitAsync(cancellationToken);
        }
    }

    // One completion wakes every waiting reader, whatever their number; none is made while nobody waits.
    private void Wake()
    {
        _next?.TrySetResult();
        _next = null;
    }
}
