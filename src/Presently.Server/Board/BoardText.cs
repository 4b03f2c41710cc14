using Presently.Protocol;

namespace Presently.Server.Board;

/// <summary>Element ids the board's fragments and pages agree on.</summary>
public static class BoardIds
{
    public static string Card(string agentId) => "agent-" + agentId;
}

/// <summary>Words on a card.</summary>
public static class BoardText
{
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
}
