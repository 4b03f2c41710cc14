using Presently.Storage;
using System.ComponentModel;
using Presently.Server.Api;
using Presently.Server.Auth;
using static Presently.Server.Html.Html;

namespace Presently.Server.Reports;

public static class ReportEndpoints
{
    public static IEndpointRouteBuilder MapReports(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/v1/report", async Task<IResult> (HttpContext ctx,
            [Description("Start of the period: a date (yyyy-MM-dd, local midnight in tz) or an ISO 8601 instant with an offset. Default: today's midnight in tz.")] string? from,
            [Description("End of the period (exclusive): a date or an instant, as from; at most 400 days after it. Default: now.")] string? to,
            [Description("What to group by, comma-separated and in order: person, team, agent, host, app, day, or a context key (site, tab, project, file, command, track, artist, player). Default: person,app.")] string? groupBy,
            [Description("The IANA time zone for dates and days, such as Europe/Berlin. Default: UTC.")] string? tz,
            [Description("json (the default) or csv: a download with one row per group, the same columns as the JSON rows.")] string? format,
            [Description("The hour (0–23) local days start at, for people who work past midnight: with 4, dates mean 04:00 and 02:00 counts for the day before. Default: 0.")] string? dayStart,
            ReportRunner reports, VisibilityPolicy visibility, TimeProvider time, CancellationToken ct) =>
        {
            if (format is not (null or "json" or "csv")) return TypedResults.Problem("format is json (the default) or csv", statusCode: StatusCodes.Status400BadRequest, title: "Bad report query");
            var (query, error) = ReportQuery.Parse(from, to, groupBy, tz, time.GetUtcNow(), dayStart);
            if (query is null) return TypedResults.Problem(error, statusCode: StatusCodes.Status400BadRequest, title: "Bad report query");
            var result = await reports.RunAsync(query, visibility.ReportOnlyPerson(Viewer.Of(ctx.User), query.GroupBy), ct);
            if (result is null)
            {
                ctx.Response.Headers.RetryAfter = ReportRunner.RetryAfterSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
                return TypedResults.Problem(ReportRunner.BusyMessage, statusCode: StatusCodes.Status503ServiceUnavailable, title: "Report not available now");
            }
            if (format == "csv")
            {
                ctx.Response.Headers.ContentDisposition = $"attachment; filename=\"{ReportCsv.FileName(result)}\"";
                return TypedResults.Text(ReportCsv.Render(result), "text/csv; charset=utf-8");
            }
            return TypedResults.Ok(ReportResponse.Of(result));
        }).ForMembers()
            .WithName("GetReport")
            .WithTags("Reports")
            .WithSummary("Hours per group over a period")
            .WithDescription("Active time (idle, private and paused time never counts), summed per group of the dimensions asked for, exact to the millisecond. "
                + "What it includes follows the caller's role and Presently:MembersSee, as on the Reports page: admins get everyone's time; a member gets their own, "
                + "and of others what the server lets members see (by default per-person totals only: grouped by person and day, nothing finer).")
            .Produces<ReportResponse>(StatusCodes.Status200OK)
            .AlsoProduces(StatusCodes.Status200OK, "text/csv")
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable)
            .Responds(StatusCodes.Status200OK, "The report: JSON, or with format=csv a CSV download (RFC 4180, spreadsheet formulas defused).")
            .Responds(StatusCodes.Status400BadRequest, "A parameter is not understood; the detail says which and what it takes.")
            .Responds(StatusCodes.Status503ServiceUnavailable, "Too many reports are being computed; try again after Retry-After seconds.")
            .WithExample(query: [("from", "2026-03-01"), ("to", "2026-04-01"), ("groupBy", "person,app"), ("tz", "Europe/Berlin")]);

        app.MapGet("/reports", async (HttpContext ctx, string? range, string? from, string? to, string? tz, string? by, string? then,
            ReportRunner reports, VisibilityPolicy visibility, IPreferencesStore preferences, Categories.CategoryCatalog categories, TimeProvider time, CancellationToken ct) =>
        {
            // The viewer's own zone and week unless the address names a zone.
            var mine = await preferences.GetPreferencesAsync(ctx.User.PersonId(), ct);
            var preferred = string.IsNullOrEmpty(tz) && mine.TimeZone is not null;
            var form = ReportForm.Resolve(range, from, to, preferred ? mine.TimeZone : tz, time.GetUtcNow(), mine.WeekStart, mine.DayStartHour);
            var (grouping, groupingError) = ReportForm.Grouping.Parse(by, then);
            grouping ??= ReportForm.Grouping.Default;
            if ((form.Error ?? groupingError) is { } problem)
                return Page<ReportsPage>(new { Form = form with { Error = problem }, Grouping = grouping, ZoneIsPreferred = preferred }, StatusCodes.Status400BadRequest);
            var (query, error) = ReportQuery.Parse(form.FromParam, form.ToParam, grouping.Param, form.TimeZone, time.GetUtcNow(), mine.DayStartHour.ToString(System.Globalization.CultureInfo.InvariantCulture));
            if (query is null) return Page<ReportsPage>(new { Form = form with { Error = error }, Grouping = grouping, ZoneIsPreferred = preferred }, StatusCodes.Status400BadRequest);
            var result = await reports.RunAsync(query, visibility.ReportOnlyPerson(Viewer.Of(ctx.User), query.GroupBy), ct);
            if (result is null)
            {
                ctx.Response.Headers.RetryAfter = ReportRunner.RetryAfterSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
                return Page<ReportsPage>(new { Form = form with { Error = ReportRunner.BusyMessage }, Grouping = grouping, ZoneIsPreferred = preferred }, StatusCodes.Status503ServiceUnavailable);
            }
            return Page<ReportsPage>(new { Form = form, Grouping = grouping, Result = result, ZoneIsPreferred = preferred, DayStartHour = mine.DayStartHour, Categories = categories.Rules });
        }).RequireAuthorization(Policies.Member);
        return app;
    }
}
