using System.Security.Cryptography;
using System.Text;
using Presently.Protocol;
using Presently.Storage;

namespace Presently.Server.Board;

/// <summary>Element ids the board's fragments and pages agree on.</summary>
public static class BoardIds
{
    /// <summary>A person's card: from a hash of the name, since a name may hold anything an id may not.</summary>
    public static string Person(string person) =>
        "person-" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(person)).AsSpan(0, 8));

    /// <summary>The list of a team's cards (people without a team have one too).</summary>
    public static string TeamCards(Team? team) =>
        team is null ? "team-none-cards" : $"team-{team.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)}-cards";
}

/// <summary>Words and marks on a card.</summary>
public static class CardText
{
    private const int Hues = 12;

    private static readonly HashSet<string> InLine =
    [
        ContextKeys.Command, ContextKeys.Track, ContextKeys.Artist, ContextKeys.Playback, ContextKeys.Player,
        ContextKeys.Site, ContextKeys.Tab, ContextKeys.Project, ContextKeys.File,
    ];

    /// <summary>
    /// A context in one line, most telling first: "github.com · Pull requests", "$ vim notes.md",
    /// "♪ Artist — Track (paused)", "presently · Program.cs"; other keys as "key: value".
    /// </summary>
    public static string Context(SpanContext c)
    {
        var parts = new List<string>();
        if (c[ContextKeys.Command] is { } command) parts.Add("$ " + command);
        if (c[ContextKeys.Track] is { } track)
            parts.Add("♪ " + (c[ContextKeys.Artist] is { } artist ? $"{artist} — {track}" : track) + (c[ContextKeys.Playback] == "paused" ? " (paused)" : ""));
        foreach (var key in (ReadOnlySpan<string>)[ContextKeys.Site, ContextKeys.Tab, ContextKeys.Project, ContextKeys.File])
            if (c[key] is { } value) parts.Add(value);
        foreach (var (key, value) in c.Entries)
            if (!InLine.Contains(key)) parts.Add($"{key}: {value}");
        return string.Join(" · ", parts);
    }

    /// <summary>Up to two letters for an avatar or app badge: "Ann Lee" → "AL", "firefox" → "FI".</summary>
    public static string Initials(string name)
    {
        var words = name.Split([' ', '-', '_', '.'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var letters = words.Length >= 2
            ? [FirstLetter(words[0]), FirstLetter(words[1])]
            : (words.FirstOrDefault() ?? "?").EnumerateRunes().Where(Rune.IsLetterOrDigit).Take(2).Select(r => r.ToString()).ToArray();
        var initials = string.Concat(letters).ToUpperInvariant();
        return initials.Length == 0 ? "?" : initials;
    }

    /// <summary>One of a few colours (CSS classes hue-0 … hue-11), the same for a name on every page and server.</summary>
    public static string Hue(string name)
    {
        // FNV-1a: string.GetHashCode differs between processes.
        var hash = 2166136261u;
        foreach (var b in Encoding.UTF8.GetBytes(name)) hash = (hash ^ b) * 16777619u;
        return "hue-" + (hash % Hues).ToString(System.Globalization.CultureInfo.InvariantCulture);
    }

    private static string FirstLetter(string word) => word.EnumerateRunes().Where(Rune.IsLetterOrDigit).Select(r => r.ToString()).FirstOrDefault() ?? "";
}
