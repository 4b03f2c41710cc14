using Presently.Storage;

namespace Presently.Server.Live;

/// <summary>
/// What browsers consume of the live state: every person's card as data, in the order of their
/// changes. <see cref="LiveState"/> writes it (under its own lock, so writing must be quick and never
/// render); each board socket reads it at its own pace (<see cref="BoardFanOut"/>) and renders at its
/// edge. Only a person's latest card is kept, so a reader that fell behind gets the latest change
/// per card, never a backlog. One implementation per deployment, chosen once at start.
/// </summary>
public interface IBoardFeed
{
    /// <summary>A person's card changed (<paramref name="before"/> null: new to the board; <paramref name="after"/> null: left it).</summary>
    void Publish(PersonLiveView? before, PersonLiveView? after);

    /// <summary>Teams or who is in them changed: every reader lays out the whole board again.</summary>
    void Regroup(IReadOnlyList<Team> teams, IReadOnlyList<PersonLiveView> people);

    /// <summary>The whole board now, in board order, with the feed position it is as of.</summary>
    BoardState Current();

    /// <summary>
    /// Each card changed after <paramref name="position"/> (its latest version only, oldest change
    /// first), or null when the layout is no longer <paramref name="position"/>'s: then read <see cref="Current"/>.
    /// </summary>
    IReadOnlyList<CardVersion>? ChangesSince(FeedPosition position, out FeedPosition upTo);

    /// <summary>Completes once something changed after <paramref name="position"/>.</summary>
    Task WaitAsync(FeedPosition position, CancellationToken cancellationToken);
}

/// <summary>Where a reader is in the feed: the layout (bumped by <see cref="IBoardFeed.Regroup"/>) and the last change it has.</summary>
public readonly record struct FeedPosition(long Layout, long Seq);

/// <summary>
/// A consistent copy of the board: teams in name order, the cards on it in board order
/// (<see cref="PersonLiveView.BoardOrder"/>), each with the fragments rendered of it so far.
/// </summary>
public sealed record BoardState(FeedPosition Position, IReadOnlyList<Team> Teams, IReadOnlyList<CardVersion> Cards);

/// <summary>
/// One person's card as the feed holds it: the card (null once they left the board), the position of
/// its last change, and that of the last change a presence card would show (the timing of app
/// switches is activity too, so presence viewers are not told of the others). Immutable but for its
/// rendered fragments, which readers fill in once and share.
/// </summary>
public sealed class CardVersion(string person, PersonLiveView? card, long seq, long presenceSeq)
{
    public string Person { get; } = person;
    public PersonLiveView? Card { get; } = card;
    public long Seq { get; } = seq;
    public long PresenceSeq { get; } = presenceSeq;

    /// <summary>Fragments rendered from this version, by kind; filled by whichever reader needs one first.</summary>
    internal string?[] Rendered { get; } = new string?[CardFragments.Kinds];
}
