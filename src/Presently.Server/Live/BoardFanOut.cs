using System.Runtime.CompilerServices;
using System.Text;
using Microsoft.AspNetCore.Components;
using Presently.Server.Auth;
using Presently.Server.Board;
using Presently.Server.Monitoring;

namespace Presently.Server.Live;

/// <summary>
/// Streams the board to one browser: the whole board first, then, each time the feed moves, every
/// card that changed since what this browser was last sent — the latest version of each, rendered
/// once per version and kind and shared by all browsers. A browser that reads slowly gets the same
/// changes in bigger, coalesced messages: nothing queues per browser and none is dropped, and its
/// memory is the set of cards it holds. When teams change, the whole board again.
/// </summary>
public sealed class BoardFanOut(IBoardFeed feed, BoardFragments fragments, VisibilityPolicy visibility, ServerMetrics metrics)
{
    /// <summary>
    /// A message holds cards up to about this many characters; more go in the next message. Small
    /// enough that neither the message nor its UTF-8 bytes are large objects: a whole board of ten
    /// thousand cards (7 MB) sent as one message to fifty browsers left most of a gigabyte of
    /// fragmented large-object heap and pinned socket buffers behind.
    /// </summary>
    public const int MessageChars = 32 * 1024;

    /// <summary>The fragments for <paramref name="viewer"/>, one WebSocket message each, until cancelled.</summary>
    public async IAsyncEnumerable<string> StreamAsync(Viewer viewer, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        // The team each card this browser holds is in (null: no team): what decides replace, append or remove.
        var shown = new Dictionary<string, Storage.Team?>(StringComparer.Ordinal);
        FeedPosition? at = null;
        var message = new StringBuilder();
        while (!cancellationToken.IsCancellationRequested)
        {
            var upTo = default(FeedPosition);
            var changes = at is { } position ? feed.ChangesSince(position, out upTo) : null;
            if (changes is null)
            {
                var board = feed.Current();
                var cards = fragments.Shown(board, person => visibility.For(viewer, person));
                shown.Clear();
                foreach (var card in cards) shown[card.Person.Person] = card.Person.Team;
                at = board.Position;
                foreach (var part in WholeBoard(board.Teams, cards)) yield return part;
            }
            else
            {
                metrics.BoardRead(changes.Count);
                foreach (var change in changes)
                {
                    if (Fragment(viewer, change, at!.Value, shown) is not { } fragment) continue;
                    message.Append(fragment);
                    if (message.Length < MessageChars) continue;
                    yield return message.ToString();
                    message.Clear();
                }
                if (message.Length > 0) yield return message.ToString();
                message.Clear();
                at = upTo;
            }
            await feed.WaitAsync(at!.Value, cancellationToken);
        }
    }

    /// <summary>The board with as many cards as fit in a message, then the rest in messages that append them to their team's list.</summary>
    private IEnumerable<string> WholeBoard(IReadOnlyList<Storage.Team> teams, IReadOnlyList<ShownCard> cards)
    {
        var first = FittingEnd(cards, 0, _ => true, atLeastOne: false);
        yield return fragments.Snapshot(teams, cards.Take(first).ToList());
        for (var start = first; start < cards.Count;)
        {
            var team = cards[start].Person.Team;
            var end = FittingEnd(cards, start, card => card.Person.Team == team, atLeastOne: true);
            yield return fragments.Append(team, [.. cards.Skip(start).Take(end - start).Select(card => card.Html)]);
            start = end;
        }
    }

    /// <summary>Where the run of cards from <paramref name="start"/> that <paramref name="belongs"/> and fits in one message ends.</summary>
    private static int FittingEnd(IReadOnlyList<ShownCard> cards, int start, Func<ShownCard, bool> belongs, bool atLeastOne)
    {
        var end = start;
        for (var size = 0; end < cards.Count && belongs(cards[end]); end++)
        {
            size += cards[end].Html.Value.Length;
            if (size > MessageChars && !(atLeastOne && end == start)) break;
        }
        return end;
    }

    private string? Fragment(Viewer viewer, CardVersion change, FeedPosition sent, Dictionary<string, Storage.Team?> shown)
    {
        var card = change.Card;
        var detail = card is null ? Detail.None : visibility.For(viewer, change.Person);
        var holds = shown.TryGetValue(change.Person, out var shownTeam);
        if (detail == Detail.None)
        {
            if (!holds) return null;
            shown.Remove(change.Person);
            return Render(change, CardFragment.Remove, detail);
        }
        shown[change.Person] = card!.Team;
        if (!holds) return Render(change, CardFragment.Append, detail);
        if (shownTeam != card.Team) return Render(change, CardFragment.Remove, detail) + Render(change, CardFragment.Append, detail);
        // A presence card that would look the same as the one the browser holds is not sent.
        if (detail == Detail.Presence && change.PresenceSeq <= sent.Seq) return null;
        return Render(change, CardFragment.Replace, detail);
    }

    private string Render(CardVersion change, CardFragment kind, Detail detail)
    {
        var slot = CardFragments.Slot(kind, detail);
        return change.Rendered[slot] ??= kind == CardFragment.Remove
            ? fragments.Change(change.Person, null, append: false, detail)
            : fragments.Change(change.Person, change.Card, append: kind == CardFragment.Append, detail);
    }
}

/// <summary>What a card fragment does in the browser.</summary>
public enum CardFragment
{
    Replace,
    Append,
    Remove,
    /// <summary>The card alone, as the page and the whole-board snapshot hold it.</summary>
    Plain,
}

internal static class CardFragments
{
    /// <summary>How many fragments a card version may have: replace, append and plain at each visible detail, and one removal.</summary>
    public const int Kinds = 7;

    public static int Slot(CardFragment kind, Detail detail) => kind switch
    {
        CardFragment.Remove => 4,
        CardFragment.Plain => detail == Detail.Full ? 5 : 6,
        CardFragment.Append => detail == Detail.Full ? 2 : 3,
        _ => detail == Detail.Full ? 0 : 1,
    };
}
