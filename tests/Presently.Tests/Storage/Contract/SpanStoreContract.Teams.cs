using Presently.Protocol;
using Presently.Storage;
using Presently.Storage.Ingest;
using Presently.Storage.Reports;

namespace Presently.Tests.Storage.Contract;

/// <summary>Reports by team: a person's time counts for the team they are in now; people in none under "(no team)".</summary>
public abstract partial class SpanStoreContract
{
    [Fact]
    public async Task A_report_by_team_sums_its_peoples_time_from_rollups_and_edges_alike()
    {
        await RegisterAsync("a1", "ann", "h1");
        await RegisterAsync("a2", "ann", "h2");
        await RegisterAsync("b1", "bob", "h3");
        await RegisterAsync("c1", "cleo", "h4");
        var teams = (ITeamStore)Registry;
        var accounts = (IAccountStore)Registry;
        var web = (await teams.CreateTeamAsync("Web"))!;
        Assert.True(await teams.SetTeamAsync((await accounts.FindPersonAsync("ann"))!.Id, web.Id));
        Assert.True(await teams.SetTeamAsync((await accounts.FindPersonAsync("bob"))!.Id, web.Id));

        var t0 = new DateTimeOffset(2026, 11, 30, 8, 0, 0, TimeSpan.Zero).ToUnixTimeMilliseconds();
        const long Minute = 60_000;
        await Store.CommitAsync([
            new IngestBatch("a1", [new SpanRecord(1, 1, t0, t0 + 90 * Minute, SpanState.Active, "code", null, null)]),
            new IngestBatch("a2", [new SpanRecord(1, 1, t0 + 120 * Minute, t0 + 150 * Minute, SpanState.Active, "slack", null, null)]),
            new IngestBatch("b1", [new SpanRecord(1, 1, t0, t0 + 60 * Minute, SpanState.Active, "figma", null, null)]),
            new IngestBatch("c1", [new SpanRecord(1, 1, t0, t0 + 45 * Minute, SpanState.Active, "code", null, null)]),
        ]);

        // Whole hours (rollups) and a partial edge (spans) in one period: 08:00–10:15.
        var from = DateTimeOffset.FromUnixTimeMilliseconds(t0);
        var to = DateTimeOffset.FromUnixTimeMilliseconds(t0 + 135 * Minute);
        var result = await Store.RunReportAsync(new ReportRequest(from, to, TimeZoneInfo.Utc, [ReportDimension.Team, ReportDimension.Person]));
        var rows = result.Rows.ToDictionary(r => (r.Key[0], r.Key[1]), r => r.Milliseconds / Minute);
        Assert.Equal(105, rows[("Web", "ann")]);     // 90 + 15 of the slack span before 10:15
        Assert.Equal(60, rows[("Web", "bob")]);
        Assert.Equal(45, rows[(HoursReport.NoTeam, "cleo")]);
        Assert.Equal(3, rows.Count);

        var byTeam = await Store.RunReportAsync(new ReportRequest(from, to, TimeZoneInfo.Utc, [ReportDimension.Team]));
        Assert.Equal([("Web", 165L), (HoursReport.NoTeam, 45L)], byTeam.Rows.Select(r => (r.Key[0], r.Milliseconds / Minute)));
    }
}
