using System.Text;
using Presently.Server.Live;
using static Presently.Server.Html.Html;

namespace Presently.Server.Board;

/// <summary>Renders board cards. Each card has a stable id so one change replaces one card.</summary>
public sealed class BoardRenderer
{
    private readonly TimeProvider _time;

    public BoardRenderer(TimeProvider time) => _time = time;

    public static string CardId(string agentId) => "agent-" + agentId;

    /// <summary>The board as first served, or as sent when a browser (re)connects.</summary>
    public string RenderCards(IReadOnlyList<AgentLiveView> agents)
    {
        if (agents.Count == 0) return """<p class="empty" id="no-agents">No agent has connected yet.</p>""";
        var sb = new StringBuilder();
        foreach (var a in agents) sb.Append(RenderCard(a, oob: null));
        return sb.ToString();
    }

    /// <summary>Replaces the whole list at once; only sent to a browser that has just connected.</summary>
    public string RenderSnapshot(IReadOnlyList<AgentLiveView> agents) =>
        $"""<div id="cards" class="cards" hx-swap-oob="innerHTML">{RenderCards(agents)}</div>""";

    /// <summary>One card, as an out-of-band fragment: replaced in place, or appended when new.</summary>
    public string RenderUpdate(AgentLiveView agent, bool isNew) => isNew
        ? $"""<div id="cards" hx-swap-oob="beforeend">{RenderCard(agent, oob: null)}</div><p id="no-agents" hx-swap-oob="delete"></p>"""
        : RenderCard(agent, oob: "outerHTML");

    public static string RenderRemoval(string agentId) => $"""<article id="{E(CardId(agentId))}" hx-swap-oob="delete"></article>""";

    /// <summary>Shown when the agent's clock is visibly off; its spans are corrected on the server.</summary>
    private static string Skew(long offsetMs)
    {
        if (Math.Abs(offsetMs) < 2000) return "";
        var text = $"clock {Duration(TimeSpan.FromMilliseconds(Math.Abs(offsetMs)))} {(offsetMs > 0 ? "behind" : "ahead")}";
        return $""" <span class="skew" title="This computer's clock is off; its times are corrected by the server.">{E(text)}</span>""";
    }

    public string RenderCard(AgentLiveView a, string? oob)
    {
        var now = _time.GetUtcNow();
        var span = a.Current;
        var app = a.Connected || span is not null ? span?.App : null;
        var title = span?.Title;
        var status = a.Status;
        var showApp = status is "active" or "idle" or "offline";
        var since = a.Since;
        return $"""
            <article class="card {status}" id="{E(CardId(a.AgentId))}"{(oob is null ? "" : $" hx-swap-oob=\"{oob}\"")} data-agent="{E(a.AgentId)}">
              <header><strong class="person">{E(a.Person)}</strong> <span class="host">{E(a.Name ?? a.Host)}</span></header>
              <div class="app">{(showApp && app is not null ? E(app) : status == "private" ? "Private" : status == "paused" ? "Paused" : "—")}</div>
              <div class="title">{(showApp ? E(title) : "")}</div>
              <footer><span class="status">{status}</span> <span class="since" data-since="{Num(since.ToUnixTimeMilliseconds())}">for {E(Duration(now - since))}</span>{Skew(a.ClockOffsetMs)}</footer>
            </article>
            """;
    }
}
