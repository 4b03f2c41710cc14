using System.Text;
using Presently.Protocol;
using Presently.Server.Auth;
using Presently.Server.Live;
using static Presently.Server.Html.Html;

namespace Presently.Server.Board;

/// <summary>
/// Renders board cards. Each card has a stable id so one change replaces one card. A card is
/// rendered at the detail its viewer may see (<see cref="VisibilityPolicy"/>): full, or presence
/// only (who, where, state and since — no app, title or clock).
/// </summary>
public sealed class BoardRenderer
{
    private readonly TimeProvider _time;

    public BoardRenderer(TimeProvider time) => _time = time;

    public static string CardId(string agentId) => "agent-" + agentId;

    /// <summary>The board as first served, or as sent when a browser (re)connects.</summary>
    public string RenderCards(IReadOnlyList<AgentLiveView> agents, Func<AgentLiveView, Detail> detail)
    {
        var sb = new StringBuilder();
        foreach (var a in agents)
        {
            var d = detail(a);
            if (d != Detail.None) sb.Append(RenderCard(a, oob: null, d));
        }
        return sb.Length == 0 ? """<p class="empty" id="no-agents">No agent has connected yet.</p>""" : sb.ToString();
    }

    /// <summary>Replaces the whole list at once; only sent to a browser that has just connected.</summary>
    public string RenderSnapshot(IReadOnlyList<AgentLiveView> agents, Func<AgentLiveView, Detail> detail) =>
        $"""<div id="cards" class="cards" hx-swap-oob="innerHTML">{RenderCards(agents, detail)}</div>""";

    /// <summary>One card, as an out-of-band fragment: replaced in place, or appended when new.</summary>
    public string RenderUpdate(AgentLiveView agent, bool isNew, Detail detail) => isNew
        ? $"""<div id="cards" hx-swap-oob="beforeend">{RenderCard(agent, oob: null, detail)}</div><p id="no-agents" hx-swap-oob="delete"></p>"""
        : RenderCard(agent, oob: "outerHTML", detail);

    public static string RenderRemoval(string agentId) => $"""<article id="{E(CardId(agentId))}" hx-swap-oob="delete"></article>""";

    /// <summary>Shown when the agent's clock is visibly off; its spans are corrected on the server.</summary>
    private static string Skew(long offsetMs)
    {
        if (offsetMs is > -2000 and < 2000) return "";
        var text = $"clock {Duration(offsetMs == long.MinValue ? long.MaxValue : Math.Abs(offsetMs))} {(offsetMs > 0 ? "behind" : "ahead")}";
        return $""" <span class="skew" title="This computer's clock is off; its times are corrected by the server.">{E(text)}</span>""";
    }

    /// <summary>
    /// A context in one line, most telling first: "github.com · Pull requests", "$ vim notes.md",
    /// "♪ Artist — Track (paused)", "presently · Program.cs"; other keys as "key: value".
    /// </summary>
    public static string ContextText(SpanContext c)
    {
        var parts = new List<string>();
        if (c[ContextKeys.Command] is { } command) parts.Add("$ " + command);
        if (c[ContextKeys.Track] is { } track)
            parts.Add("♪ " + (c[ContextKeys.Artist] is { } artist ? $"{artist} — {track}" : track) + (c[ContextKeys.Playback] == "paused" ? " (paused)" : ""));
        foreach (var key in (ReadOnlySpan<string>)[ContextKeys.Site, ContextKeys.Tab, ContextKeys.Project, ContextKeys.File])
            if (c[key] is { } value) parts.Add(value);
        var shown = new HashSet<string> { ContextKeys.Command, ContextKeys.Track, ContextKeys.Artist, ContextKeys.Playback, ContextKeys.Player, ContextKeys.Site, ContextKeys.Tab, ContextKeys.Project, ContextKeys.File };
        foreach (var (key, value) in c.Entries)
            if (!shown.Contains(key)) parts.Add($"{key}: {value}");
        return string.Join(" · ", parts);
    }

    public string RenderCard(AgentLiveView a, string? oob, Detail detail)
    {
        var now = _time.GetUtcNow();
        var span = a.Current;
        var status = a.Status;
        var full = detail == Detail.Full;
        var showApp = full && status is CardStatus.Active or CardStatus.Idle or CardStatus.Offline;
        var app = showApp && (a.Connected || span is not null) ? span?.App : null;
        var title = showApp ? span?.Title : null;
        var context = showApp && span?.Context is { } c ? ContextText(c) : null;
        var appText = app is not null ? E(app) : status switch { CardStatus.Private => "Private", CardStatus.Paused => "Paused", _ => "—" };
        var since = full ? a.Since : a.StatusSince;
        return $"""
            <article class="card {status.Name()}" id="{E(CardId(a.AgentId))}"{(oob is null ? "" : $" hx-swap-oob=\"{oob}\"")} data-agent="{E(a.AgentId)}">
              <header><strong class="person">{E(a.Person)}</strong> <span class="host">{E(a.Name ?? a.Host)}</span></header>
              <div class="app">{appText}</div>
              <div class="title">{E(title)}</div>{(context is null ? "" : $"""

              <div class="context">{E(context)}</div>
""")}
              <footer><span class="status">{status.Name()}</span> <span class="since" data-since="{Num(since.ToUnixTimeMilliseconds())}">for {E(Duration(now - since))}</span>{(full ? Skew(a.ClockOffsetMs) : "")}</footer>
            </article>
            """;
    }
}
