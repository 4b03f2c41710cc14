using Presently.Protocol;
using Presently.Storage;
using Presently.Storage.Reports;

namespace Presently.Tests.Storage.Contract;

/// <summary>
/// The ingest rules every span store keeps (<see cref="Presently.Storage.Ingest.SpanIngest"/>): the
/// highest seq wins, replays change nothing, spans of an agent never overlap, the daily limits hold,
/// only an active agent stores anything, and what is replaced or removed leaves no time behind.
/// </summary>
public abstract partial class SpanStoreContract
{
    /// <summary>09:00 UTC, on a whole hour: reports around it read days, hours and edges.</summary>
    private static readonly DateTimeOffset T0 = new(2026, 11, 29, 9, 0, 0, TimeSpan.Zero);

    /// <summary>The agent's Hello with the shared credential (creating it as ann's when new); returns its highest stored seq.</summary>
    private async Task<long> HelloAsync(string agentId)
    {
        var registered = await Store.RegisterAgentAsync(new AgentRegistration(agentId, "ann", "host", "Linux", "1.0", ["x11"], T0, 0), sharedCredential: true);
        Assert.NotNull(registered);
        return registered.HighestSeq;
    }

    /// <summary>Closes <see cref="Store"/> and opens the store again on its database.</summary>
    private async Task ReopenStoreAsync()
    {
        await Store.DisposeAsync();
        Store = await ReopenAsync();
    }

    private static SpanRecord V(long seq, long span, int startSec, int endSec, string app = "vim") =>
        new(seq, span, T0.AddSeconds(startSec).ToUnixTimeMilliseconds(), T0.AddSeconds(endSec).ToUnixTimeMilliseconds(), SpanState.Active, app, "t", null);

    private static SpanRecord Titled(long seq, long span, int startSec, int endSec, int titleLength) =>
        V(seq, span, startSec, endSec) with { Title = new string('t', titleLength) };

    private static SpanRecord Minutes(long seq, long span, int startMinute, int endMinute, string app, SpanContext? context = null) =>
        new(seq, span, T0.AddMinutes(startMinute).ToUnixTimeMilliseconds(), T0.AddMinutes(endMinute).ToUnixTimeMilliseconds(), SpanState.Active, app, "t", context);

    private async Task<long> TotalMs() =>
        (await Store.RunReportAsync(new(T0.AddDays(-1), T0.AddDays(1), TimeZoneInfo.Utc, [ReportDimension.Agent]))).TotalMilliseconds;

    /// <summary>The report's rows as "key | key = ms", in UTC.</summary>
    private async Task<List<string>> ReportAsync((DateTimeOffset From, DateTimeOffset To) period, params ReportDimension[] groupBy) =>
        Rows(await Store.RunReportAsync(new ReportRequest(period.From, period.To, TimeZoneInfo.Utc, groupBy)));

    // Periods around T0 read from each source: whole UTC days (day rollups), whole hours (hour rollups),
    // and 09:10–11:50 (the hour 10–11 from rollups, the partial hours at both ends from spans).
    private static readonly (DateTimeOffset, DateTimeOffset) WholeDays = (new DateTimeOffset(T0.UtcDateTime.Date.AddDays(-1), TimeSpan.Zero), new DateTimeOffset(T0.UtcDateTime.Date.AddDays(1), TimeSpan.Zero));
    private static readonly (DateTimeOffset, DateTimeOffset) WholeHours = (T0, T0.AddHours(3));
    private static readonly (DateTimeOffset, DateTimeOffset) PartialHours = (T0.AddMinutes(10), T0.AddMinutes(170));

    [Fact]
    public async Task Hello_reports_the_highest_stored_seq_and_zero_for_a_new_agent()
    {
        Assert.Equal(0, await HelloAsync("a1"));
        await Store.CommitAsync([new IngestBatch("a1", [V(1, 1, 0, 10), V(2, 2, 10, 20)])]);
        Assert.Equal(2, await HelloAsync("a1"));
        Assert.Equal(0, await HelloAsync("a2"));
    }

    [Fact]
    public async Task The_same_batch_twice_changes_nothing()
    {
        await HelloAsync("a1");
        var batch = new IngestBatch("a1", [V(1, 1, 0, 10), V(2, 2, 10, 25)]);
        await Store.CommitAsync([batch]);
        await Store.CommitAsync([batch, batch]);
        Assert.Equal(25_000, await TotalMs());
        Assert.Equal(2, (await Store.GetSpansAsync("a1")).Count);
    }

    [Fact]
    public async Task An_older_version_arriving_late_does_not_win()
    {
        await HelloAsync("a1");
        await Store.CommitAsync([new IngestBatch("a1", [V(5, 1, 0, 30)])]);
        await Store.CommitAsync([new IngestBatch("a1", [V(3, 1, 0, 10)])]);
        var span = Assert.Single(await Store.GetSpansAsync("a1"));
        Assert.Equal(5, span.Seq);
        Assert.Equal(TimeSpan.FromSeconds(30), span.Duration);
        Assert.Equal(5, await HelloAsync("a1"));
    }

    [Fact]
    public async Task Spans_and_agents_survive_reopening_the_store_and_ingest_goes_on_from_there()
    {
        await HelloAsync("a1");
        await Store.CommitAsync([new IngestBatch("a1", [V(1, 1, 0, 10)])]);
        await ReopenStoreAsync();
        Assert.Equal(10_000, await TotalMs());
        var agent = Assert.Single(await Store.ListAgentsAsync());
        Assert.Equal("ann", agent.PersonName);
        Assert.Equal(1, agent.LastSpan!.SpanId);

        // The reopened store knows the stored seq and replaces the stored version.
        Assert.Equal(1, await HelloAsync("a1"));
        await Store.CommitAsync([new IngestBatch("a1", [V(1, 3, 10, 99), V(2, 1, 0, 20), V(3, 2, 20, 30)])]);
        Assert.Equal([(1L, 2L), (2L, 3L)], (await Store.GetSpansAsync("a1")).Select(s => (s.SpanId, s.Seq)));
        Assert.Equal(30_000, await TotalMs());
        await AssertRollupsMatchRebuildAsync();
    }

    [Fact]
    public async Task A_span_is_clipped_to_the_time_no_other_span_of_its_agent_holds()
    {
        await HelloAsync("a1");
        await Store.CommitAsync([new IngestBatch("a1", [V(1, 1, 0, 100), V(2, 2, 200, 300)])]);
        await Store.CommitAsync([new IngestBatch("a1", [
            V(3, 3, 50, 250, "overlaps both"),   // keeps 100-200
            V(4, 4, 10, 20, "inside"),           // nothing left: dropped
            V(5, 5, 300, 400, "touching")])]);   // touching is not overlapping
        var spans = (await Store.GetSpansAsync("a1")).ToDictionary(s => s.SpanId);
        Assert.Equal((T0.AddSeconds(100), T0.AddSeconds(200)), (spans[3].Start, spans[3].End));
        Assert.False(spans.ContainsKey(4));
        Assert.Equal(TimeSpan.FromSeconds(100), spans[5].Duration);
        Assert.Equal(400_000, await TotalMs());

        // A span's later version is clipped the same way and never pushes into its neighbours.
        await Store.CommitAsync([new IngestBatch("a1", [V(6, 1, 0, 150)])]);
        Assert.Equal(TimeSpan.FromSeconds(100), (await Store.GetSpansAsync("a1")).Single(s => s.SpanId == 1).Duration);
    }

    [Fact]
    public async Task Records_at_or_below_the_stored_seq_never_create_or_change_a_span()
    {
        await HelloAsync("a1");
        await Store.CommitAsync([new IngestBatch("a1", [V(10, 1, 0, 10)])]);
        await Store.CommitAsync([new IngestBatch("a1", [V(4, 2, 20, 30, "fabricated"), V(9, 1, 0, 5)])]);
        var span = Assert.Single(await Store.GetSpansAsync("a1"));
        Assert.Equal(10, span.Seq);
        Assert.Equal(10, await HelloAsync("a1"));
    }

    [Fact]
    public async Task Past_the_daily_quota_spans_keep_their_time_but_not_their_title_and_past_the_span_limit_they_are_not_stored()
    {
        await using var limited = await CreateLimitedStoreAsync(new StoreLimits(DailyQuotaBytes: 4_000, DailySpans: 5));
        await limited.RegisterAgentAsync(new AgentRegistration("big", "ann", "h", "Linux", "1", [], T0, 0), sharedCredential: true);
        await limited.RegisterAgentAsync(new AgentRegistration("small", "bob", "h", "Linux", "1", [], T0, 0), sharedCredential: true);

        var outcomes = await limited.CommitAsync([
            new IngestBatch("big", [Titled(1, 1, 0, 10, 1000), Titled(2, 2, 10, 20, 1000), Titled(3, 3, 20, 30, 1000)]),
            new IngestBatch("small", [Titled(1, 1, 0, 10, 100)]),
            new IngestBatch("big", [Titled(4, 4, 30, 40, 1000), V(5, 5, 40, 50) with { App = new string('a', 1000) }, V(6, 6, 50, 60)]),
        ]);
        Assert.Equal([CommitOutcome.Stored, CommitOutcome.Stored, CommitOutcome.StoredOverQuota], outcomes);
        var big = (await limited.GetSpansAsync("big")).ToDictionary(x => x.SpanId);
        Assert.Equal(new string('t', 1000), big[3].Title);
        Assert.Null(big[4].Title);                                  // over the bytes: time and app only
        Assert.Equal(TimeSpan.FromSeconds(10), big[4].Duration);
        Assert.Equal(new string('a', 32), big[5].App);              // and the app name is cut, so the day stays bounded
        Assert.False(big.ContainsKey(6));                           // over the span count: not stored
        Assert.Equal(6, (await limited.RegisterAgentAsync(new AgentRegistration("big", "ann", "h", "Linux", "1", [], T0, 0), sharedCredential: true))!.HighestSeq);
        Assert.Equal(new string('t', 100), Assert.Single(await limited.GetSpansAsync("small")).Title);

        // A new version of a span counts its new size minus the old: checkpoints cost nothing extra.
        var before = Assert.Single(await limited.GetQuotaUseAsync(T0.AddDays(-1), 1, 1), u => u.AgentId == "big");
        Assert.Equal([CommitOutcome.Stored], await limited.CommitAsync([new IngestBatch("big", [Titled(7, 3, 20, 35, 1000)])]));
        var after = Assert.Single(await limited.GetQuotaUseAsync(T0.AddDays(-1), 1, 1), u => u.AgentId == "big");
        Assert.Equal((before.Bytes, 5L), (after.Bytes, after.Spans));
        Assert.Equal(DateOnly.FromDateTime(T0.UtcDateTime), after.Day);
    }

    [Fact]
    public async Task Zero_length_records_are_not_stored_and_cannot_hide_an_overlap()
    {
        await HelloAsync("a1");
        await Store.CommitAsync([new IngestBatch("a1", [V(1, 100, 1, 1)])]);      // an announced span, no time yet
        await Store.CommitAsync([new IngestBatch("a1", [V(2, 200, 0, 3600)])]);
        await Store.CommitAsync([new IngestBatch("a1", [V(3, 300, 1, 3600), V(4, 400, 2, 2), V(5, 500, 2, 3600)])]);
        Assert.Equal([200L], (await Store.GetSpansAsync("a1")).Select(x => x.SpanId));
        Assert.Equal(3_600_000, await TotalMs());
        Assert.Equal(5, await HelloAsync("a1"));
    }

    [Fact]
    public async Task Only_an_active_agent_is_registered_and_only_a_new_one_created_when_allowed()
    {
        await HelloAsync("a1");
        Assert.Null(await Store.RegisterAgentAsync(new AgentRegistration("never-seen", "ann", "h", "Linux", "1", [], T0, 0), sharedCredential: false));
        Assert.DoesNotContain(await Store.ListAgentsAsync(), a => a.AgentId == "never-seen");

        Assert.True(await Registry.SetStatusAsync("a1", AgentStatus.Blocked));
        Assert.Null(await Store.RegisterAgentAsync(new AgentRegistration("a1", "ann", "h", "Linux", "1", [], T0, 0), sharedCredential: true));
        Assert.Equal([CommitOutcome.AgentGone], await Store.CommitAsync([new IngestBatch("a1", [V(1, 1, 0, 10)])]));
        Assert.Empty(await Store.GetSpansAsync("a1"));
    }

    [Fact]
    public async Task A_replaced_spans_old_rows_and_rollup_time_go_when_its_new_version_is_shorter_and_in_another_app()
    {
        await HelloAsync("a1");
        // 09:00–11:30 in code on a site: three rows, and time in the hour, day and site rollups.
        await Store.CommitAsync([new IngestBatch("a1", [Minutes(1, 1, 0, 150, "code", SpanContext.Of(("site", "example.org")))])]);
        Assert.Equal(3, await StoredRowsAsync("a1", 1));
        Assert.Equal(["code = 9000000"], await ReportAsync(WholeDays, ReportDimension.App));
        Assert.Equal(["code = 9000000"], await ReportAsync(WholeHours, ReportDimension.App));
        Assert.Equal(["code = 8400000"], await ReportAsync(PartialHours, ReportDimension.App));
        Assert.Equal(["code | example.org = 9000000"], await ReportAsync(WholeDays, ReportDimension.App, ReportDimension.Site));
        Assert.Equal(["code | example.org = 9000000"], await ReportAsync(WholeHours, ReportDimension.App, ReportDimension.Site));

        // Its next version: 09:00–09:20 in xterm, on no site. Nothing of code is left anywhere.
        await Store.CommitAsync([new IngestBatch("a1", [Minutes(2, 1, 0, 20, "xterm")])]);
        Assert.Equal(1, await StoredRowsAsync("a1", 1));
        var span = Assert.Single(await Store.GetSpansAsync("a1"));
        Assert.Equal((2L, "xterm", TimeSpan.FromMinutes(20), (SpanContext?)null), (span.Seq, span.App, span.Duration, span.Context));
        Assert.Equal(["xterm = 1200000"], await ReportAsync(WholeDays, ReportDimension.App));
        Assert.Equal(["xterm = 1200000"], await ReportAsync(WholeHours, ReportDimension.App));
        Assert.Equal(["xterm = 600000"], await ReportAsync(PartialHours, ReportDimension.App));
        Assert.Equal(["xterm | (none) = 1200000"], await ReportAsync(WholeDays, ReportDimension.App, ReportDimension.Site));
        Assert.Equal(["xterm | (none) = 1200000"], await ReportAsync(WholeHours, ReportDimension.App, ReportDimension.Site));
        await AssertRollupsMatchRebuildAsync();
    }

    [Fact]
    public async Task Removing_an_agent_with_its_data_leaves_no_spans_and_no_time_in_reports()
    {
        // a1 is registered last: SQLite gives a new agent the highest key again once it is gone.
        await RegisterAsync("b1", "bob", "h2");
        await RegisterAsync("a1", "ann", "h1");
        await Store.CommitAsync([
            new IngestBatch("b1", [Minutes(1, 1, 0, 30, "firefox")]),
            new IngestBatch("a1", [Minutes(1, 1, 0, 150, "code", SpanContext.Of(("site", "example.org"))), Minutes(2, 2, 150, 160, "slack")]),
        ]);
        Assert.Equal(["a1 = 9600000", "b1 = 1800000"], await ReportAsync(WholeDays, ReportDimension.Agent));
        Assert.Equal(5, await AllSpanRowsAsync());                  // a1: three parts and one row; b1: one row

        Assert.True(await Registry.RemoveAsync("a1", deleteData: true));

        Assert.Empty(await Store.GetSpansAsync("a1"));
        Assert.Equal(1, await AllSpanRowsAsync());                  // b1's one row
        Assert.Equal(["b1"], (await Store.ListAgentsAsync()).Select(a => a.AgentId));
        Assert.Equal(["b1"], (await Store.GetQuotaUseAsync(T0.AddDays(-1), 1, 1)).Select(u => u.AgentId));
        await AssertOnlyB1sTimeIsReportedAsync();

        // A new agent of the same name starts from nothing, whatever key it is given.
        Assert.Equal(0, await HelloAsync("a1"));
        Assert.Empty(await Store.GetSpansAsync("a1"));
        Assert.Equal(["b1"], (await Store.GetQuotaUseAsync(T0.AddDays(-1), 1, 1)).Select(u => u.AgentId));
        await AssertOnlyB1sTimeIsReportedAsync();
        await AssertRollupsMatchRebuildAsync();

        async Task AssertOnlyB1sTimeIsReportedAsync()
        {
            foreach (var period in new[] { WholeDays, WholeHours })
            {
                Assert.Equal(["b1 = 1800000"], await ReportAsync(period, ReportDimension.Agent));
                Assert.Equal(["bob | firefox = 1800000"], await ReportAsync(period, ReportDimension.Person, ReportDimension.App));
                Assert.Equal(["firefox | (none) = 1800000"], await ReportAsync(period, ReportDimension.App, ReportDimension.Site));
            }
            Assert.Equal(["b1 = 1200000"], await ReportAsync(PartialHours, ReportDimension.Agent));
            Assert.Empty((await Store.RunReportAsync(new ReportRequest(WholeDays.Item1, WholeDays.Item2, TimeZoneInfo.Utc, [ReportDimension.App], OnlyPerson: "ann"))).Rows);
        }
    }
}
