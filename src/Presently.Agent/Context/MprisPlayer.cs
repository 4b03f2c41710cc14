using Tmds.DBus.Protocol;

namespace Presently.Agent.Context;

/// <summary>
/// What the agent knows of one MPRIS player: who it is and what it plays. <see cref="Answered"/> is
/// false while it has not answered (or never answers) the agent's questions; such a player says nothing.
/// </summary>
public sealed record MprisPlayer(
    string BusName, string? Owner, bool Answered, string? Identity, string? DesktopEntry, string? Playback, string? Title,
    IReadOnlyList<string> Artists, DateTimeOffset ChangedAt)
{
    public const string BusPrefix = "org.mpris.MediaPlayer2.";

    public bool IsPlaying => Playback == "Playing";

    /// <summary>The bus name without <c>org.mpris.MediaPlayer2.</c> and without an instance part: "chromium", "spotify".</summary>
    public string BusSuffix
    {
        get
        {
            var rest = BusName.StartsWith(BusPrefix, StringComparison.Ordinal) ? BusName[BusPrefix.Length..] : BusName;
            var dot = rest.IndexOf('.', StringComparison.Ordinal);
            return dot < 0 ? rest : rest[..dot];
        }
    }

    /// <summary>True when what a span would show (track, artists, player, state) differs.</summary>
    public bool SameAs(MprisPlayer other) =>
        Answered == other.Answered && Identity == other.Identity && DesktopEntry == other.DesktopEntry && Playback == other.Playback
        && Title == other.Title && Artists.SequenceEqual(other.Artists);

    public static MprisPlayer Unknown(string busName, string? owner, DateTimeOffset at) => new(busName, owner, false, null, null, null, null, [], at);
}

/// <summary>
/// Reads MPRIS properties from what a player sent. A player is another program, so nothing it sends is
/// trusted: a value of the wrong type is left out, strings are cut, and lists are bounded.
/// </summary>
internal static class MprisProperties
{
    public const string RootInterface = "org.mpris.MediaPlayer2";
    public const string PlayerInterface = "org.mpris.MediaPlayer2.Player";

    private const int MaxNameChars = 128;
    private const int MaxTextChars = 512;
    private const int MaxArtists = 16;
    private const int MaxMetadataEntries = 64;

    /// <summary><paramref name="player"/> with the properties of <paramref name="iface"/> in <paramref name="changed"/> applied.</summary>
    public static MprisPlayer Apply(MprisPlayer player, string iface, Dictionary<string, VariantValue> changed)
    {
        if (iface == RootInterface)
        {
            if (changed.TryGetValue("Identity", out var identity) && String(identity, MaxNameChars) is { } id) player = player with { Identity = id };
            if (changed.TryGetValue("DesktopEntry", out var entry) && String(entry, MaxNameChars) is { } de) player = player with { DesktopEntry = de };
        }
        else if (iface == PlayerInterface)
        {
            if (changed.TryGetValue("PlaybackStatus", out var status) && String(status, 16) is "Playing" or "Paused" or "Stopped")
                player = player with { Playback = String(status, 16) };
            if (changed.TryGetValue("Metadata", out var metadata) && Metadata(metadata) is { } m)
                player = player with { Title = m.Title, Artists = m.Artists };
        }
        return player;
    }

    /// <summary>Title and artists from an <c>a{sv}</c>; null when the value is not one (then the old track stands).</summary>
    private static (string? Title, IReadOnlyList<string> Artists)? Metadata(VariantValue value)
    {
        value = Unwrap(value);
        if (value.Type != VariantValueType.Dictionary || value.KeyType != VariantValueType.String) return null;
        string? title = null;
        IReadOnlyList<string> artists = [];
        for (var i = 0; i < Math.Min(value.Count, MaxMetadataEntries); i++)
        {
            var (key, item) = value.GetDictionaryEntry(i);
            switch (key.GetString())
            {
                case "xesam:title":
                    title = String(item, MaxTextChars);
                    break;
                case "xesam:artist":
                    artists = Strings(item);
                    break;
            }
        }
        return (title, artists);
    }

    private static string? String(VariantValue value, int max)
    {
        value = Unwrap(value);
        if (value.Type != VariantValueType.String) return null;
        var s = value.GetString().Trim();
        return s.Length == 0 ? null : s.Length <= max ? s : s[..max];
    }

    private static List<string> Strings(VariantValue value)
    {
        value = Unwrap(value);
        var list = new List<string>();
        if (value.Type != VariantValueType.Array || value.ItemType != VariantValueType.String) return list;
        for (var i = 0; i < value.Count && list.Count < MaxArtists; i++)
            if (String(value.GetItem(i), MaxTextChars) is { } s) list.Add(s);
        return list;
    }

    // Some players wrap a value in one variant too many; a few levels are unwrapped, no more.
    private static VariantValue Unwrap(VariantValue value)
    {
        for (var depth = 0; depth < 4 && value.Type == VariantValueType.Variant; depth++) value = value.GetVariantValue();
        return value;
    }
}
