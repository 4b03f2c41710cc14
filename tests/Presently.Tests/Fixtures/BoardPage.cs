using System.Diagnostics;
using System.Net;

namespace Presently.Tests.Fixtures;

/// <summary>Waits on the board page (the server-rendered HTML) for what an agent reported.</summary>
public static class BoardPage
{
    /// <summary>Waits until a card shows <paramref name="app"/> (null: any app); returns how long that took from <paramref name="since"/>.</summary>
    public static Task<TimeSpan> WaitForAppAsync(ServerHost server, string? app, TimeSpan timeout, Stopwatch? since = null) =>
        WaitForAnyAppAsync(server, app is null ? null : [app], timeout, since);

    /// <summary>Waits until a card shows one of <paramref name="apps"/> (null: any app).</summary>
    public static async Task<TimeSpan> WaitForAnyAppAsync(ServerHost server, string[]? apps, TimeSpan timeout, Stopwatch? since = null)
    {
        since ??= Stopwatch.StartNew();
        var cards = apps?.Select(app => $"<div class=\"app\">{WebUtility.HtmlEncode(app)}</div>").ToArray() ?? ["<div class=\"app\">"];
        await Eventually.Until(() => server.Http.GetStringAsync("/"), html => cards.Any(c => html.Contains(c, StringComparison.Ordinal)), timeout,
            $"board showing {(apps is null ? "the agent" : string.Join(" or ", apps))}");
        return since.Elapsed;
    }
}
