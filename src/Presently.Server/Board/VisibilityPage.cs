using System.Text;
using Presently.Server.Auth;
using Presently.Server.Live;
using static Presently.Server.Html.Html;

namespace Presently.Server.Board;

/// <summary>
/// "How others see you": the person's own board cards rendered exactly as admins and as other
/// members get them (the same renderer and policy the board uses), with what reports show of them.
/// </summary>
internal static class VisibilityPage
{
    public static string Render(IReadOnlyList<AgentLiveView> mine, BoardRenderer renderer, Detail forMembers, MemberView setting)
    {
        var sb = new StringBuilder("""
            <h1>How others see you</h1>
            <p>The board, the reports and the API follow one rule. This is what it shows of you right now.
            Pausing tracking (<code>presently-agent pause</code>) or a private app makes your card say so and nothing more, for everyone.</p>
            """);
        Section(sb, "seen-by-admins", "Admins",
            "Admins see everything: the app and window title in front on each of your computers, and your hours per app, computer and day in reports.",
            mine, renderer, Detail.Full);
        var membersText = forMembers switch
        {
            Detail.Full => "Other members see what admins see (this server sets Presently:MembersSee to Everything).",
            Detail.Presence => "Other members see that you are there: your name, computer, state (active, idle, private, paused, offline) and since when, and your total hours per day. Not your apps, window titles or hours per app.",
            _ => "Other members see nothing of you: not your card, not your hours.",
        };
        Section(sb, "seen-by-members", "Other members", $"{membersText} (Presently:MembersSee = {setting})", mine, renderer, forMembers);
        return sb.ToString();
    }

    private static void Section(StringBuilder sb, string id, string heading, string text, IReadOnlyList<AgentLiveView> mine, BoardRenderer renderer, Detail detail)
    {
        sb.Append($"""<section id="{id}"><h2>{E(heading)}</h2><p>{E(text)}</p>""");
        if (mine.Count == 0) sb.Append("""<p class="empty">None of your computers is on the board yet.</p>""");
        else if (detail != Detail.None) sb.Append($"""<div class="cards">{renderer.RenderCards(mine, _ => detail)}</div>""");
        sb.Append("</section>");
    }
}
