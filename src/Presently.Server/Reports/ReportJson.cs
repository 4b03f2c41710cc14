using System.ComponentModel;
using Presently.Storage.Reports;

namespace Presently.Server.Reports;

/// <summary>
/// A report as /api/v1/report answers it. A type rather than an anonymous object so the OpenAPI
/// document can describe it; its JSON is the same, property for property.
/// </summary>
[Description("Active time per group over the period: exact to the millisecond, in seconds.")]
public sealed record ReportResponse(
    [property: Description("Start of the period (inclusive), an instant with its offset.")] DateTimeOffset From,
    [property: Description("End of the period (exclusive), an instant with its offset.")] DateTimeOffset To,
    [property: Description("The IANA time zone dates and days are taken in.")] string TimeZone,
    [property: Description("The dimensions each row is grouped by, in order: person, agent, host, app, day, or a context key (site, tab, project, file, command, track, artist, player).")]
    IReadOnlyList<string> GroupBy,
    [property: Description("Active seconds of every row together.")] double TotalSeconds,
    [property: Description("How many of the smallest groups were folded into one last row whose dimensions are all \"(other)\" (past Presently:ReportMaxRows).")]
    int FoldedGroups,
    [property: Description("One object per group, largest first: a text property per groupBy dimension (\"(none)\" for spans without that context key) and seconds, the group's active seconds.")]
    IEnumerable<Dictionary<string, object>> Rows)
{
    public static ReportResponse Of(ReportResult r)
    {
        var names = r.GroupBy.Select(d => d.ToString().ToLowerInvariant()).ToArray();
        return new ReportResponse(r.From, r.To, r.TimeZone, names, r.TotalMilliseconds / 1000.0, r.FoldedGroups, r.Rows.Select(row =>
        {
            var o = new Dictionary<string, object>(names.Length + 1);
            for (var i = 0; i < names.Length; i++) o[names[i]] = row.Key[i];
            o["seconds"] = row.Seconds;
            return o;
        }));
    }
}
