using Microsoft.Extensions.Options;
using Presently.Server.Auth;
using Presently.Server.Options;
using Presently.Storage;
using Presently.Storage.Reports;

namespace Presently.Server.Reports;

public static class ReportEndpoints
{
    public static IEndpointRouteBuilder MapReports(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/v1/report", async Task<IResult> (HttpContext ctx, string? from, string? to, string? groupBy, string? tz,
            ISpanStore store, TimeProvider time, IOptions<ServerOptions> options, CancellationToken ct) =>
        {
            var (query, error) = ReportQuery.Parse(from, to, groupBy, tz, time.GetUtcNow());
            if (query is null) return TypedResults.Problem(error, statusCode: StatusCodes.Status400BadRequest, title: "Bad report query");
            var result = await RunAsync(store, query, Visibility(ctx, query, options.Value), ct);
            return TypedResults.Ok(ToJson(result));
        }).RequireAuthorization(Policies.Member);

        app.MapGet("/reports", async (HttpContext ctx, string? range, string? from, string? to, string? tz, ISpanStore store, TimeProvider time,
            IOptions<ServerOptions> options, CancellationToken ct) =>
        {
            var form = ReportPage.Resolve(range, from, to, tz, time.GetUtcNow());
            if (form.Error is not null) return ReportPage.Render(ctx, form, null);
            var (query, error) = ReportQuery.Parse(form.FromParam, form.ToParam, "person,app", form.TimeZone, time.GetUtcNow());
            if (query is null) return ReportPage.Render(ctx, form with { Error = error }, null);
            return ReportPage.Render(ctx, form, await RunAsync(store, query, Visibility(ctx, query, options.Value), ct));
        }).RequireAuthorization(Policies.Member);
        return app;
    }

    /// <summary>
    /// Whose time the viewer may see: admins everyone's; members their own in detail, and everyone's
    /// per-person totals (no apps, agents or hosts) when the policy allows. Null means no filter.
    /// </summary>
    public static string? Visibility(HttpContext ctx, ReportQuery q, ServerOptions options)
    {
        if (ctx.User.IsAdmin()) return null;
        var totalsOnly = q.GroupBy.All(d => d is ReportDimension.Person or ReportDimension.Day);
        return options.MembersSeeTeamTotals && totalsOnly ? null : ctx.User.PersonName();
    }

    public static async Task<ReportResult> RunAsync(ISpanStore store, ReportQuery q, string? onlyPerson, CancellationToken ct)
    {
        var spans = await store.GetActiveSpansAsync(q.From, q.To, ct);
        var visible = onlyPerson is null ? spans : spans.Where(s => s.Person == onlyPerson);
        return HoursReport.Compute(visible, q.From, q.To, q.TimeZone, q.GroupBy);
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
