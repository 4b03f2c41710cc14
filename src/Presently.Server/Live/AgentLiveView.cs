using Presently.Protocol;

namespace Presently.Server.Live;

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
    /// <summary>The word shown on the card: offline, or the state of the current span.</summary>
    public string Status => !Connected ? "offline" : Current?.State switch
    {
        SpanState.Idle => "idle",
        SpanState.Private => "private",
        SpanState.Paused => "paused",
        _ => "active",
    };

    /// <summary>Since when the card's status has held.</summary>
    public DateTimeOffset Since => Connected && Current is not null
        ? DateTimeOffset.FromUnixTimeMilliseconds(Current.StartMs)
        : LastContact;
}
