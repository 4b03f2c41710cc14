using Presently.Agent.Sensors;
using Presently.Protocol;

namespace Presently.Agent.Context;

/// <summary>
/// Browsers (Chrome, Chromium, Edge, Brave, Firefox): the tab title is the window title without the
/// browser's own name, and the site is named when the title shows it — a page without a title shows
/// its address, and many sites end their titles with their name ("… - YouTube").
/// </summary>
public sealed class BrowserEnricher : IContextEnricher
{
    private static readonly HashSet<string> Apps = new(StringComparer.Ordinal)
    {
        "google-chrome", "chrome", "chromium", "chromium-browser", "microsoft-edge", "msedge", "brave-browser", "brave",
        "firefox", "firefox-esr", "navigator", "librewolf", "google chrome", "microsoft edge", "brave browser",
        "org.mozilla.firefox", "com.google.chrome", "com.microsoft.edge", "com.brave.browser", "org.chromium.chromium",
    };

    // What browsers append to the page title. Edge writes a zero-width space inside its name.
    private static readonly string[] BrowserSuffixes =
    [
        "Google Chrome", "Chromium", "Microsoft\u200b Edge", "Microsoft Edge", "Brave", "Mozilla Firefox", "Firefox", "LibreWolf",
    ];

    private static readonly string[] Separators = [" - ", " — ", " – "];

    // Sites that name themselves at the end of every title.
    private static readonly (string Suffix, string Site)[] KnownSites =
    [
        ("YouTube", "youtube.com"), ("GitHub", "github.com"), ("Gmail", "mail.google.com"), ("Google Docs", "docs.google.com"),
        ("Google Sheets", "docs.google.com"), ("Google Search", "google.com"), ("Stack Overflow", "stackoverflow.com"),
        ("Wikipedia", "wikipedia.org"), ("Jira", "atlassian.net"), ("Confluence", "atlassian.net"), ("Slack", "slack.com"),
        ("Google Meet", "meet.google.com"), ("Outlook", "outlook.office.com"), ("Reddit", "reddit.com"), ("X", "x.com"),
    ];

    public string Name => "browser";

    public bool ChangesWithoutWindowEvents => false;

    public bool Applies(ForegroundSample sample) => AppMatch.Any(sample, Apps);

    public void Enrich(ForegroundSample sample, ContextFacts facts, TimeSpan budget)
    {
        if (Tab(sample.Title) is not { } tab) return;
        facts.Set(ContextKeys.Tab, tab);
        facts.Set(ContextKeys.Site, Site(tab));
    }

    /// <summary>The page's title: the window title without " - Google Chrome" (and a profile name after it).</summary>
    public static string? Tab(string? title)
    {
        if (string.IsNullOrWhiteSpace(title)) return null;
        foreach (var suffix in BrowserSuffixes)
        {
            foreach (var sep in Separators)
            {
                // "Page - Google Chrome" or, with profiles, "Page - Google Chrome - Work".
                var at = title.LastIndexOf(sep + suffix, StringComparison.Ordinal);
                if (at <= 0) continue;
                var rest = title[(at + sep.Length + suffix.Length)..];
                if (rest.Length == 0 || Separators.Any(s => rest.StartsWith(s, StringComparison.Ordinal)))
                    return title[..at].Trim() is { Length: > 0 } page ? page : null;
            }
        }
        // A title that is only the browser's name is a new or empty tab.
        return BrowserSuffixes.Contains(title.Trim()) ? null : title.Trim();
    }

    /// <summary>The site, when the tab title is an address or ends with a known site's name.</summary>
    public static string? Site(string tab)
    {
        if (HostOf(tab) is { } host) return host;
        foreach (var (suffix, site) in KnownSites)
            foreach (var sep in Separators)
                if (tab.EndsWith(sep + suffix, StringComparison.Ordinal) || tab == suffix) return site;
        return null;
    }

    private static string? HostOf(string text)
    {
        var candidate = text.Trim();
        if (candidate.Contains(' ', StringComparison.Ordinal)) return null;
        if (!candidate.Contains("://", StringComparison.Ordinal)) candidate = "https://" + candidate;
        if (!Uri.TryCreate(candidate, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https")) return null;
        var host = uri.IdnHost;
        // "localhost:8080" or "github.com/x": a host with a dot (or localhost), not a word like "Inbox".
        if (host != "localhost" && (!host.Contains('.', StringComparison.Ordinal) || host.EndsWith('.'))) return null;
        return host.StartsWith("www.", StringComparison.Ordinal) ? host[4..] : host;
    }
}
