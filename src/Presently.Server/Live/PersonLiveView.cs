using Presently.Storage;

namespace Presently.Server.Live;

/// <summary>
/// One person on the board: their computers, the one in front first. The board shows a person
/// once, however many computers they have; reports count their time once the same way.
/// </summary>
public sealed record PersonLiveView(string Person, Team? Team, IReadOnlyList<AgentLiveView> Devices)
{
    /// <summary>The device the person is at: the one the card shows.</summary>
    public AgentLiveView Front => Devices[0];

    public CardStatus Status => Front.Status;

    /// <summary>The board's order: by team name (people without a team last), then by name; ordinal, as the browser keeps it.</summary>
    public static readonly IComparer<PersonLiveView> BoardOrder = Comparer<PersonLiveView>.Create((x, y) =>
    {
        var byTeamless = (x.Team is null).CompareTo(y.Team is null);
        if (byTeamless != 0) return byTeamless;
        var byTeam = string.CompareOrdinal(x.Team?.Name, y.Team?.Name);
        return byTeam != 0 ? byTeam : string.CompareOrdinal(x.Person, y.Person);
    });

    public static PersonLiveView Of(string person, Team? team, IEnumerable<AgentLiveView> devices) =>
        new(person, team, [.. devices.OrderBy(d => d, FrontFirst.Instance)]);

    /// <summary>Whether a presence card (no apps, titles or clocks) for <paramref name="other"/> would look the same.</summary>
    public bool ShowsSamePresenceAs(PersonLiveView other) =>
        Team == other.Team && Devices.Count == other.Devices.Count
        && Devices.Zip(other.Devices).All(p => p.First.AgentId == p.Second.AgentId && p.First.ShowsSamePresenceAs(p.Second));

    /// <summary>
    /// The rule for "the device in front", one place for the board: a connected device before an
    /// offline one; active (or in a meeting) before idle, private and paused; then the one whose
    /// current state began last, i.e. the one the person turned to most recently.
    /// </summary>
    private sealed class FrontFirst : IComparer<AgentLiveView>
    {
        public static readonly FrontFirst Instance = new();

        public int Compare(AgentLiveView? x, AgentLiveView? y)
        {
            if (ReferenceEquals(x, y)) return 0;
            if (x is null) return 1;
            if (y is null) return -1;
            var byRank = Rank(x.Status).CompareTo(Rank(y.Status));
            if (byRank != 0) return byRank;
            var bySince = y.Since.CompareTo(x.Since);
            return bySince != 0 ? bySince : string.CompareOrdinal(x.AgentId, y.AgentId);
        }

        private static int Rank(CardStatus status) => status switch
        {
            CardStatus.Active or CardStatus.Meeting => 0,
            CardStatus.Idle => 1,
            CardStatus.Private => 2,
            CardStatus.Paused => 3,
            _ => 4,
        };
    }
}
