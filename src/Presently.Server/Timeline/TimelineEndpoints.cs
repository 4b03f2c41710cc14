using System.Globalization;
using Presently.Server.Auth;
using Presently.Server.Reports;
using Presently.Storage;
using Presently.Storage.Reports;
using static Presently.Server.Html.Html;

namespace Presently.Server.Timeline;

public static class TimelineEndpoints
{
    public static IEndpointRouteBuilder MapTimeline(this IEndpointRouteBuilder app)
    {
        // One person's day in swimlanes. Only at full detail: the shape of someone's day is their activity.
        app.MapGet("/timeline", ShowAsync).RequireAuthorization(Policies.Member);
        return app;
    }

    private static async Task<IResult> ShowAsync(HttpContext ctx, string? person, string? date, string? tz, int? from, int? hours,
        ISpanStore store, IAgentRegistry agents, VisibilityPolicy visibility, IPreferencesStore preferences, TimeProvider time, CancellationToken ct)
    {
        person = string.IsNullOrEmpty(person) ? ctx.User.PersonName() : person;
        if (person.Length > 128 || visibility.For(Viewer.Of(ctx.User), person) != Detail.Full)
            return Message(StatusCodes.Status403Forbidden, "Not allowed", "You may see the timeline of your own day, and of others' only where you see their apps.");
        // The viewer's own zone unless the address names one, and the hour their days start.
        var mine = await preferences.GetPreferencesAsync(ctx.User.PersonId(), ct);
        var preferred = string.IsNullOrWhiteSpace(tz) ? mine.TimeZone : null;
        var dayStart = mine.DayStartHour;
        var zoneId = string.IsNullOrWhiteSpace(tz) ? preferred ?? "UTC" : tz;
        if (zoneId.Length > 64 || !TimeZoneInfo.TryFindSystemTimeZoneById(zoneId, out var zone))
            return Message(StatusCodes.Status400BadRequest, "Bad timeline", $"unknown time zone '{zoneId[..Math.Min(zoneId.Length, 64)]}'");
        var today = HoursReport.LocalDay(time.GetUtcNow().ToUnixTimeMilliseconds(), zone, dayStart);
        var day = today;
        if (!string.IsNullOrEmpty(date) && (!DateOnly.TryParseExact(date, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out day) || !ReportQuery.IsReportableDay(day)))
            return Message(StatusCodes.Status400BadRequest, "Bad timeline", "date is a day (yyyy-MM-dd) between 1970-01-02 and 8999-12-31");
        if (hours is < 1 or > 24 || from is < 0 or > 23)
            return Message(StatusCodes.Status400BadRequest, "Bad timeline", "from is 0–23 hours into the day and hours 1–24");
        var h = hours ?? 24;
        var first = Math.Min(from ?? 0, 24 - h);
        // Local hours: on a day the clocks change, "09:00" is found from the day's own start.
        var midnight = ReportQuery.LocalMidnight(day, zone, dayStart);
        var windowFrom = TimeZoneInfo.ConvertTime(midnight, zone).DateTime.AddHours(first);
        var start = first == 0 ? midnight : new DateTimeOffset(windowFrom, zone.GetUtcOffset(windowFrom));
        var end = h == 24 && first == 0 ? ReportQuery.LocalMidnight(day.AddDays(1), zone, dayStart) : start.AddHours(h);

        var spans = await store.GetPersonSpansAsync(person, start, end, TimelineView.MaxSpans + 1, ct);
        var names = (await agents.ListAgentsAsync(ct)).Where(a => a.Person == person)
            .ToDictionary(a => a.AgentId, a => a.Name ?? a.Host, StringComparer.Ordinal);
        var shown = spans.Count > TimelineView.MaxSpans ? spans.Take(TimelineView.MaxSpans).ToList() : spans;
        // Lanes in the order of the computers' names, as people know them.
        var lanes = Storage.Reports.Timeline.Lanes(shown, start, end)
            .OrderBy(l => names.GetValueOrDefault(l.AgentId) ?? l.AgentId, StringComparer.Ordinal).ThenBy(l => l.AgentId, StringComparer.Ordinal).ToList();
        var view = new TimelineView(person, day, zoneId, first, h, start, end, lanes, names, Storage.Reports.Timeline.TopTitles(shown, start, end, TimelineView.TopTitleCount),
            spans.Count > TimelineView.MaxSpans, dayStart);
        return Page<TimelinePage>(new { View = view, Zone = zone, ZoneIsPreferred = preferred is not null });
    }
}
