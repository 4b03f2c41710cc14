using Presently.Protocol;

namespace Presently.Server.Live;

/// <summary>What a board card says an agent is doing: offline, or the state of its current span.</summary>
public enum CardStatus
{
    Offline,
    Active,
    /// <summary>Active, with a meeting app in front (<see cref="MeetingRules"/>).</summary>
    Meeting,
    Idle,
    Private,
    Paused,
}

public static class CardStatusNames
{
    /// <summary>The state's CSS class and its name in the API.</summary>
    public static string Name(this CardStatus status) => status switch
    {
        CardStatus.Offline => "offline",
        CardStatus.Meeting => "meeting",
        CardStatus.Idle => "idle",
        CardStatus.Private => "private",
        CardStatus.Paused => "paused",
        _ => "active",
    };

    /// <summary>The words on a card.</summary>
    public static string Label(this CardStatus status) => status == CardStatus.Meeting ? "in a meeting" : status.Name();
}

/// <summary>What the board knows about one agent right now.</summary>
public sealed record AgentLiveView(
    string AgentId,
    string Person,
    string Host,
    string Os,
    bool Connected,
    SpanRecord? Current,
    DateTimeOffset LastContact,
    long ClockOffsetMs,
    string? Name = null)
{
    public CardStatus Status => !Connected ? CardStatus.Offline : Current?.State switch
    {
        SpanState.Idle => CardStatus.Idle,
        SpanState.Private => CardStatus.Private,
        SpanState.Paused => CardStatus.Paused,
        _ => InMeeting ? CardStatus.Meeting : CardStatus.Active,
    };

    /// <summary>Whether the current span's app, site or title is a meeting's (set by LiveState from <see cref="MeetingRules"/>).</summary>
    public bool InMeeting { get; init; }

    /// <summary>
    /// Whether a board card for <paramref name="other"/> would look the same. A checkpoint only
    /// moves the open span's end, which no card shows, so it costs the browsers nothing.
    /// </summary>
    public bool ShowsSameAs(AgentLiveView other) =>
        Connected == other.Connected && Person == other.Person && Host == other.Host && Name == other.Name
        && Int128.Abs((Int128)ClockOffsetMs - other.ClockOffsetMs) < 1000
        && Current?.SpanId == other.Current?.SpanId && Current?.State == other.Current?.State
        && Current?.App == other.Current?.App && Current?.Title == other.Current?.Title && Current?.StartMs == other.Current?.StartMs
        && InMeeting == other.InMeeting
        && (Connected || LastContact == other.LastContact);

    /// <summary>Since when the card's content has held: the current span's start, or the last contact when offline.</summary>
    public DateTimeOffset Since => Connected && Current is not null
        ? Storage.Instants.FromMs(Current.StartMs)
        : LastContact;

    /// <summary>
    /// Since when <see cref="Status"/> has held (kept by LiveState across app switches). Presence
    /// cards show this, so they reveal neither when someone switched apps nor how long each spell lasted.
    /// </summary>
    public DateTimeOffset StatusSince { get; init; }

    /// <summary>Whether a presence card (no app, title or clock) for <paramref name="other"/> would look the same.</summary>
    public bool ShowsSamePresenceAs(AgentLiveView other) =>
        Status == other.Status && Person == other.Person && Host == other.Host && Name == other.Name && StatusSince == other.StatusSince;
}
