using Presently.Agent.Sensors;
using Presently.Protocol;

namespace Presently.Agent.Context;

/// <summary>
/// Media players (MPRIS, Linux): when the app in front is a player that plays or is paused, the track,
/// its artists, the player's name and whether it plays. The app is recognised by the player's desktop
/// entry, its identity or its bus name (<c>org.mpris.MediaPlayer2.spotify</c> is Spotify;
/// <c>…chromium.instance123</c> is Chromium). Reads only what <see cref="MprisWatcher"/> already knows:
/// no D-Bus call is made here. The watcher's <c>Changed</c> makes the agent look again when the track changes.
/// </summary>
public sealed class MediaEnricher(MprisWatcher watcher) : IContextEnricher
{
    public string Name => "media";

    public bool ChangesWithoutWindowEvents => false;

    public string? Unavailable => watcher.Unavailable;

    public bool Applies(ForegroundSample sample) => Find(sample) is not null;

    public void Enrich(ForegroundSample sample, ContextFacts facts, TimeSpan budget)
    {
        if (Find(sample) is not { } player) return;
        facts.Set(ContextKeys.Track, player.Title);
        facts.Set(ContextKeys.Artist, string.Join(", ", player.Artists));
        facts.Set(ContextKeys.Player, player.Identity ?? player.BusSuffix);
        facts.Set(ContextKeys.Playback, player.IsPlaying ? "playing" : "paused");
    }

    /// <summary>The player that is the app in front and plays or is paused; when several are (two browser instances), the playing one, then the last changed.</summary>
    private MprisPlayer? Find(ForegroundSample sample)
    {
        var app = Names(sample.App, sample.Process);
        if (app.Count == 0) return null;
        MprisPlayer? best = null;
        foreach (var p in watcher.Players)
        {
            if (!p.Answered || p.Playback is not ("Playing" or "Paused") || !Names(p.DesktopEntry, p.Identity, p.BusSuffix).Overlaps(app)) continue;
            if (best is null || (p.IsPlaying, p.ChangedAt).CompareTo((best.IsPlaying, best.ChangedAt)) > 0) best = p;
        }
        return best;
    }

    /// <summary>
    /// The names something goes by, normalised: as given, with spaces as dashes ("Google Chrome" is
    /// google-chrome), and the last part of a reverse-domain id (org.mozilla.firefox is firefox).
    /// </summary>
    internal static HashSet<string> Names(params ReadOnlySpan<string?> given)
    {
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var g in given)
        {
            var n = AppMatch.Normalize(g);
            if (n.EndsWith(".desktop", StringComparison.Ordinal)) n = n[..^8];
            if (n.Length == 0) continue;
            names.Add(n);
            names.Add(n.Replace(' ', '-'));
            if (n.LastIndexOf('.') is var dot and > 0 && dot < n.Length - 1) names.Add(n[(dot + 1)..]);
        }
        return names;
    }
}
