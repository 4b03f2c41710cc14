using System.Globalization;
using System.Text.Encodings.Web;

namespace Presently.Server.Html;

/// <summary>
/// The only way text reaches a page: every value that could come from an agent or a request goes
/// through <see cref="E"/>. Window titles and app names are attacker-controlled.
/// </summary>
public static class Html
{
    public static string E(string? value) => value is null ? "" : HtmlEncoder.Default.Encode(value);

    public static string Num(long value) => value.ToString(CultureInfo.InvariantCulture);

    /// <summary>"2 h 13 m", "5 m", "42 s" — the same words board.js writes as time passes.</summary>
    public static string Duration(TimeSpan d)
    {
        if (d < TimeSpan.Zero) d = TimeSpan.Zero;
        if (d.TotalHours >= 1) return $"{(long)d.TotalHours} h {d.Minutes} m";
        if (d.TotalMinutes >= 1) return $"{d.Minutes} m";
        return $"{d.Seconds} s";
    }

    public static IResult Page(string title, string body, params string[] scripts) =>
        Results.Content(Layout(title, body, scripts), "text/html; charset=utf-8");

    private static string Layout(string title, string body, string[] scripts) => $"""
        <!doctype html>
        <html lang="en">
        <head>
          <meta charset="utf-8">
          <meta name="viewport" content="width=device-width, initial-scale=1">
          <title>{E(title)} · Presently</title>
          <link rel="stylesheet" href="/app.css">
          <script src="/lib/htmx.min.js" defer></script>
          <script src="/lib/ws.min.js" defer></script>
          {string.Concat(scripts.Select(s => $"<script src=\"{E(s)}\" defer></script>"))}
        </head>
        <body>
          <header class="top">
            <a class="brand" href="/">Presently</a>
            <nav><a href="/">Board</a> <a href="/reports">Reports</a></nav>
          </header>
          <main>
        {body}
          </main>
        </body>
        </html>
        """;
}
