using Presently.Server.Auth;
using Presently.Storage.Reports;
using static Presently.Server.Html.Html;

namespace Presently.Server.Reports;

public static class ReportEndpoints
{
    public static IEndpointRouteBuilder MapReports(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/v1/report", async Task<IResult> (HttpContext ctx, string? from, string? to, string? groupBy, string? tz, string? format,
            ReportRunner reports, VisibilityPolicy visibility, TimeProvider time, CancellationToken ct) =>
        {
            if (format is not (null or "json" or "csv")) return TypedResults.Problem("format is json (the default) or csv", statusCode: StatusCodes.Status400BadRequest, title: "Bad report query");
            var (query, error) = ReportQuery.Parse(from, to, groupBy, tz, time.GetUtcNow());
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
            return TypedResults.Ok(ToJson(result));
        }).RequireAuthorization(Policies.Member);

        app.MapGet("/reports", async (HttpContext ctx, string? range, string? from, string? to, string? tz, string? by, string? then,
            ReportRunner reports, VisibilityPolicy visibility, TimeProvider time, CancellationToken ct) =>
        {
            var form = ReportForm.Resolve(range, from, to, tz, time.GetUtcNow());
            var (grouping, groupingError) = ReportForm.Grouping.Parse(by, then);
            grouping ??= ReportForm.Grouping.Default;
            if ((form.Error ?? groupingError) is { } problem)
                return Page<ReportsPage>(new { Form = form with { Error = problem }, Grouping = grouping }, StatusCodes.Status400BadRequest);
            var (query, error) = ReportQuery.Parse(form.FromParam, form.ToParam, grouping.Param, form.TimeZone, time.GetUtcNow());
            if (query is null) return Page<ReportsPage>(new { Form = form with { Error = error }, Grouping = grouping }, StatusCodes.Status400BadRequest);
            var result = await reports.RunAsync(query, visibility.ReportOnlyPerson(Viewer.Of(ctx.User), query.GroupBy), ct);
            if (result is null)
            {
                ctx.Response.Headers.RetryAfter = ReportRunner.RetryAfterSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
                return Page<ReportsPage>(new { Form = form with { Error = ReportRunner.BusyMessage }, Grouping = grouping }, StatusCodes.Status503ServiceUnavailable);
            }
            return Page<ReportsPage>(new { Form = form, Grouping = grouping, Result = result });
        }).RequireAuthorization(Policies.Member);
        return app;
    }

    private static object ToJson(ReportResult r)
    {
        var names = r.GroupBy.Select(d => d.ToString().ToLowerInvariant()).ToArray();
        return new
        {
            from = r.From,
            to = r.To,
            timeZone = r.TimeZone,
            groupBy = names,
            totalSeconds = r.TotalMilliseconds / 1000.0,
            foldedGroups = r.FoldedGroups,
            rows = r.Rows.Select(row =>
            {
                var o = new Dictionary<string, object>(names.Length + 1);
                for (var i = 0; i < names.Length; i++) o[names[i]] = row.Key[i];
                o["seconds"] = row.Seconds;
                return o;
            }),
        };
    }
}
