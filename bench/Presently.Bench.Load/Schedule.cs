using System.Globalization;
using Presently.Protocol;

namespace Presently.Bench.Load;

/// <summary>What a simulated desktop has in front: a few common apps, titles of 20-60 characters, a browser tab's site.</summary>
internal static class Schedule
{
    private static readonly (string App, string Title, string? Site)[] Apps =
    [
        ("firefox", "Inbox ({0}) - Mail - Mozilla Firefox", "mail.example.com"),
        ("firefox", "Pull request #{0} · presently · GitHub — Mozilla Firefox", "github.com"),
        ("chromium", "Sprint board {0} – Jira - Chromium", "jira.example.com"),
        ("code", "SpanJournal.cs:{0} - presently - Visual Studio Code", null),
        ("code", "Uplink.cs - presently - Visual Studio Code ({0})", null),
        ("slack", "Slack | #team-{0} | Presently", null),
        ("gnome-terminal-server", "dev@build-{0}: ~/src/presently", null),
        ("thunderbird", "Re: invoice {0} - Mozilla Thunderbird", null),
        ("libreoffice-writer", "Quarterly report v{0}.odt - LibreOffice Writer", null),
        ("zoom", "Zoom Meeting {0}", null),
    ];

    public static (string App, string Title, SpanContext? Context) Next(Random random, string marker)
    {
        var (app, template, site) = Apps[random.Next(Apps.Length)];
        var title = string.Format(CultureInfo.InvariantCulture, template, random.Next(1, 1000)) + " " + marker;
        return (app, title, site is null ? null : SpanContext.Of((ContextKeys.Site, site)));
    }

    /// <summary>An exponentially distributed wait with the given mean, at least 0.2 s and at most 10 means.</summary>
    public static TimeSpan Exponential(Random random, TimeSpan mean) =>
        TimeSpan.FromTicks((long)Math.Clamp(-Math.Log(1 - random.NextDouble()) * mean.Ticks, TimeSpan.TicksPerMillisecond * 200, mean.Ticks * 10.0));
}
