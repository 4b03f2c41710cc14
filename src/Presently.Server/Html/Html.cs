using System.Globalization;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Presently.Server.Html;

/// <summary>
/// Pages are Razor components rendered on the server (static rendering, no Blazor script), so every
/// value is encoded by default: window titles and app names are attacker-controlled. These are the
/// few words pages and board.js share, and the way an endpoint answers with a page.
/// </summary>
public static class Html
{
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

    /// <summary>A UTC instant as the pages write it.</summary>
    public static string Utc(DateTimeOffset at, string format = "yyyy-MM-dd HH:mm:ss") =>
        at.UtcDateTime.ToString(format, CultureInfo.InvariantCulture);

    /// <summary>Answers with the page component <typeparamref name="TPage"/>, given its parameters (an anonymous object, by parameter name).</summary>
    public static RazorComponentResult<TPage> Page<TPage>(object? parameters = null, int status = StatusCodes.Status200OK) where TPage : IComponent =>
        new(parameters ?? new { }) { StatusCode = status, ContentType = "text/html; charset=utf-8" };

    public static RazorComponentResult<MessagePage> Message(int status, string title, string text) =>
        Page<MessagePage>(new { Title = title, Text = text }, status);
}
