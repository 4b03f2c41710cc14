using Presently.Storage;
using Presently.Storage.Reports;

namespace Presently.Server.Reports;

public static class ReportEndpoints
{
    public static IEndpointRouteBuilder MapReports(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/v1/report", async Task<IResult> (string? from, string? to, string? groupBy, string? tz,
            ISpanStore store, TimeProvider time, CancellationToken ct) =>
        {
            var (query, error) = ReportQuery.Parse(from, to, groupBy, tz, time.GetUtcNow());
            if (query is null) return TypedResults.Problem(error, statusCode: StatusCodes.Status400BadRequest, title: "Bad report query");
            var result = await RunAsync(store, query, ct);
            return TypedResults.Ok(ToJson(result));
        });

        app.MapGet("/reports", async (string? range, string? from, string? to, string? tz, ISpanStore store, TimeProvider time, CancellationToken ct) =>
        {
            var form = ReportPage.Resolve(range, from, to, tz, time.GetUtcNow());
            if (form.Error is not null) return ReportPage.Render(form, null);
            var (query, error) = ReportQuery.Parse(form.FromParam, form.ToParam, "person,app", form.TimeZone, time.GetUtcNow());
            if (query is null) return ReportPage.Render(form with { Error = error }, null);
            return ReportPage.Render(form, await RunAsync(store, query, ct));
        });
        return app;
    }

    public static async Task<ReportResult> RunAsync(ISpanStore store, ReportQuery q, CancellationToken ct)
    {
        var spans = await store.GetActiveSpansAsync(q.From, q.To, ct);
        return HoursReport.Compute(spans, q.From, q.To, q.TimeZone, q.GroupBy);
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
