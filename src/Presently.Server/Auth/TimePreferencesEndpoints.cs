using Microsoft.AspNetCore.Mvc;
using Presently.Storage;
using static Presently.Server.Html.Html;

namespace Presently.Server.Auth;

/// <summary>/account/time: a person's time zone and first day of the week.</summary>
public static class TimePreferencesEndpoints
{
    public static IEndpointRouteBuilder MapTimePreferences(this IEndpointRouteBuilder app)
    {
        app.MapGet("/account/time", async (HttpContext ctx, IPreferencesStore preferences) =>
            Page<TimePreferencesPage>(new { Preferences = await preferences.GetPreferencesAsync(ctx.User.PersonId(), ctx.RequestAborted) }))
            .RequireAuthorization(Policies.Member);

        app.MapPost("/account/time", async (HttpContext ctx, [FromForm] string? tz, [FromForm] string? weekStart, [FromForm] string? dayStart, IPreferencesStore preferences) =>
        {
            var zone = string.IsNullOrEmpty(tz) ? null : tz;
            var week = Enum.TryParse<DayOfWeek>(weekStart, ignoreCase: false, out var w) && TimePreferencesPage.WeekStarts.Contains(w) ? w : (DayOfWeek?)null;
            var hour = int.TryParse(dayStart ?? "0", System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var h) && h <= 23 ? h : (int?)null;
            var problem = zone is not null && (zone.Length > 64 || !TimeZoneInfo.TryFindSystemTimeZoneById(zone, out _)) ? "That is not a time zone this server knows."
                : week is null ? "A week starts on Monday, Sunday or Saturday."
                : hour is null ? "A day starts at an hour from 0 to 23."
                : null;
            var current = await preferences.GetPreferencesAsync(ctx.User.PersonId(), ctx.RequestAborted);
            if (problem is not null)
                return Page<TimePreferencesPage>(new { Preferences = current, Note = problem, NoteIsError = true }, StatusCodes.Status400BadRequest);
            var saved = new PersonPreferences(zone, week!.Value, hour!.Value);
            await preferences.SetPreferencesAsync(ctx.User.PersonId(), saved, ctx.RequestAborted);
            return Page<TimePreferencesPage>(new { Preferences = saved, Note = "Saved." });
        }).RequireAuthorization(Policies.Member);
        return app;
    }
}
