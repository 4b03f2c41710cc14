namespace Presently.Storage.Categories;

/// <summary>
/// The categories a new server starts with (as ActivityWatch's): stored once, the first time a server
/// starts on a store that never had categories, then the admins' to change or delete.
/// </summary>
public static class DefaultCategories
{
    private static Category C(string path, string pattern, string? colour, int score) => new(0, path, pattern, CategoryField.Any, colour, score);

    public static readonly IReadOnlyList<Category> All =
    [
        C("Work", "", "#2e7d32", 1),
        C("Work/Coding", @"\b(code|code-oss|vscodium|rider|n?vim|emacs|idea|pycharm|webstorm|clion|goland|visual studio|sublime|zed|github|gitlab|stack overflow)\b", "#1565c0", 2),
        C("Work/Terminal", @"\b(terminal|gnome-terminal|konsole|alacritty|kitty|wezterm|foot|iterm2?|xterm|tilix|ghostty|powershell|cmd\.exe|windows terminal)\b", "#455a64", 2),
        C("Work/Docs", @"\b(libreoffice|writer|calc|impress|word|excel|powerpoint|google docs|google sheets|notion|obsidian|confluence|overleaf)\b", "#6a1b9a", 1),
        C("Communication", "", "#f9a825", 0),
        // Before Chat: a Slack huddle is a meeting, though Slack is a chat app (equally deep: the earlier wins).
        C("Communication/Meetings", @"\b(zoom|meet\.google|google meet|jitsi|webex|huddle|whereby)\b", "#ef6c00", 1),
        C("Communication/Chat", @"\b(slack|discord|telegram|signal|element|teams|whatsapp|mattermost|zulip)\b", "#fbc02d", 0),
        C("Communication/Email", @"\b(thunderbird|outlook|gmail|mail|evolution|geary|proton mail|fastmail)\b", "#ffb300", 0),
        C("Media", "", "#c62828", -1),
        C("Media/Video", @"\b(youtube|netflix|vlc|mpv|twitch|prime video|plex|jellyfin)\b|disney\+", "#d32f2f", -1),
        C("Media/Music", @"\b(spotify|rhythmbox|music|deezer|tidal|soundcloud|lollypop|amarok)\b", "#ad1457", 0),
        C("Games", @"\b(steam|lutris|heroic|minecraft|epic games|battle\.net|itch\.io|gog galaxy)\b", "#8e24aa", -2),
        C("Social", @"\b(reddit|twitter|x\.com|facebook|instagram|mastodon|bluesky|tiktok|linkedin|hacker news)\b", "#5d4037", -2),
    ];
}
