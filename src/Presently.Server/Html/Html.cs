using System.Globalization;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Antiforgery;
using Presently.Server.Auth;

namespace Presently.Server.Html;

/// <summary>
/// The only way text reaches a page: every value that could come from an agent or a request goes
/// through <see cref="E"/>. Window titles and app names are attacker-controlled.
/// </summary>
public static class Html
{
    public static string E(string? value) => value is null ? "" : HtmlEncoder.Default.Encode(value);

    public static string Num(long value) => value.ToString(CultureInfo.InvariantCulture);

    /// <summary>A duration in milliseconds as <see cref="Duration(TimeSpan)"/> words, whatever the value (stored data may hold anything).</summary>
    public static string Duration(long ms) =>
        Duration(TimeSpan.FromMilliseconds(Math.Clamp(ms, 0, (long)TimeSpan.MaxValue.TotalMilliseconds - 1)));

    /// <summary>"2 h 13 m", "5 m", "42 s" — the same words board.js writes as time passes.</summary>
    public static string Duration(TimeSpan d)
    {
        if (d < TimeSpan.Zero) d = TimeSpan.Zero;
        if (d.TotalHours >= 1) return $"{(long)d.TotalHours} h {d.Minutes} m";
        if (d.TotalMinutes >= 1) return $"{d.Minutes} m";
        return $"{d.Seconds} s";
    }

    /// <summary>The hidden field every form carries; posts without it are refused.</summary>
    public static string Antiforgery(HttpContext ctx)
    {
        var tokens = ctx.RequestServices.GetRequiredService<IAntiforgery>().GetAndStoreTokens(ctx);
        return $"""<input type="hidden" name="{E(tokens.FormFieldName)}" value="{E(tokens.RequestToken)}">""";
    }

    public static IResult Page(HttpContext ctx, string title, string body, params string[] scripts) =>
        Results.Content(Layout(ctx, title, body, scripts), "text/html; charset=utf-8");

    public static IResult Message(HttpContext ctx, int status, string title, string text) =>
        Results.Content(Layout(ctx, title, $"<h1>{E(title)}</h1><p>{E(text)}</p>", []), "text/html; charset=utf-8", null, status);

    // htmx would otherwise add an inline <style> (refused by the CSP) and may evaluate attribute code.
    private const string HtmxConfig = """<meta name="htmx-config" content='{"includeIndicatorStyles":false,"allowEval":false}'>""";

    private static string Layout(HttpContext ctx, string title, string body, string[] scripts) => $"""
        <!doctype html>
        <html lang="en">
        <head>
          <meta charset="utf-8">
          <meta name="viewport" content="width=device-width, initial-scale=1">
          {HtmxConfig}
          <title>{E(title)} · Presently</title>
          <link rel="stylesheet" href="/app.css">
          <script src="/lib/htmx.min.js" defer></script>
          <script src="/lib/ws.min.js" defer></script>
          {string.Concat(scripts.Select(s => $"<script src=\"{E(s)}\" defer></script>"))}
        </head>
        <body>
          <header class="top">
            <a class="brand" href="/">Presently</a>
            {Nav(ctx)}
          </header>
          <main>
        {body}
          </main>
        </body>
        </html>
        """;

    private static string Nav(HttpContext ctx)
    {
        var user = ctx.User;
        if (user.Identity?.IsAuthenticated != true) return "<nav></nav>";
        var admin = user.IsAdmin() ? """ <a href="/admin/agents">Agents</a> <a href="/admin/codes">Enrollment</a> <a href="/admin/people">People</a> <a href="/admin/retention">Retention</a> <a href="/admin/audit">Audit</a>""" : "";
        return $"""
            <nav><a href="/">Board</a> <a href="/reports">Reports</a>{admin} <a href="/account">{E(user.PersonName())}</a>
              <form class="inline" method="post" action="/logout">{Antiforgery(ctx)}<button type="submit">Sign out</button></form></nav>
            """;
    }
}
