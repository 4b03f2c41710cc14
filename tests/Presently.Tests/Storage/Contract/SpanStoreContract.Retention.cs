using Presently.Protocol;
using Presently.Storage;
using Presently.Storage.Reports;
using Presently.Storage.Rollups;

namespace Presently.Tests.Storage.Contract;

/// <summary>Retention: spans before a UTC midnight deleted, later time and reports untouched, rollups kept or not.</summary>
public abstract partial class SpanStoreContract
{
    /// <summary>The 1st of a month: the months before go whole, and spans cross the cutoff and a month boundary at once.</summary>
    protected static readonly DateTimeOffset RetentionCutoff = new(2026, 3, 1, 0, 0, 0, TimeSpan.Zero);

    private static DateTimeOffset At(int month, int day, int hour, int minute = 0) => new(2026, month, day, hour, minute, 0, TimeSpan.Zero);

    private static readonly (string Agent, long Id, DateTimeOffset Start, DateTimeOffset End, string App)[] History =
    [
        ("a1", 1, At(1, 15, 10), At(1, 15, 11, 30), "code"),
        ("a1", 2, At(2, 10, 9), At(2, 10, 10, 30), "code"),
        // Crosses the cutoff inside a stored part (parts start at 22:30, 23:30, 00:30, 01:30).
        ("a1", 3, At(2, 28, 22, 30), At(3, 1, 2, 15), "code"),
        ("a1", 4, At(3, 1, 3), At(3, 1, 4), "firefox"),
        ("a1", 5, At(3, 2, 12), At(3, 2, 12, 10), "code"),
        ("a2", 1, At(2, 10, 9, 30), At(2, 10, 10), "slack"),
        ("a2", 2, At(2, 28, 21), At(2, 28, 22), "slack"),
        // Crosses the cutoff on a part boundary (parts start at 22:00, 23:00, 00:00).
        ("a2", 3, At(2, 28, 22), At(3, 1, 1), "xterm"),
        ("a2", 4, At(3, 1, 1), At(3, 1, 1, 30), "slack"),
        // Ends at the cutoff: all of it is before.
        ("b1", 1, At(2, 28, 23), At(3, 1, 0), "code"),
    ];

    private async Task StoreHistoryAsync()
    {
        await RegisterAsync("a1", "ann", "h1");
        await RegisterAsync("a2", "ann", "h2");
        await RegisterAsync("b1", "bob", "h3");
        foreach (var group in History.GroupBy(h => h.Agent))
            await Store.CommitAsync([new IngestBatch(group.Key, [.. group.Select(h => new SpanRecord(h.Id, h.Id, h.Start.ToUnixTimeMilliseconds(), h.End.ToUnixTimeMilliseconds(),
                SpanState.Active, h.App, $"title {h.Id}", SpanContext.Of(("site", $"{h.App}.example"))))])]);
    }

    private Task<ReportResult> ReportAsync(DateTimeOffset from, DateTimeOffset to) =>
        Store.RunReportAsync(new ReportRequest(from, to, TimeZoneInfo.Utc, [ReportDimension.Person, ReportDimension.App, ReportDimension.Site]));

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Retention_deletes_the_spans_before_the_cutoff_and_leaves_the_time_after_it_as_it_was(bool includingRollups)
    {
        await StoreHistoryAsync();
        var cutoffMs = RetentionCutoff.ToUnixTimeMilliseconds();
        (DateTimeOffset From, DateTimeOffset To)[] after =
            [(RetentionCutoff, RetentionCutoff.AddDays(3)), (RetentionCutoff.AddMinutes(20), RetentionCutoff.AddDays(1).AddHours(5)), (At(3, 1, 0, 45), At(3, 1, 3, 30))];
        (DateTimeOffset From, DateTimeOffset To)[] old = [(At(2, 10, 0), At(2, 11, 0)), (At(2, 10, 9), At(2, 10, 11)), (At(1, 1, 0), At(2, 28, 0))];
        var afterBefore = new List<List<string>>();
        foreach (var (from, to) in after) afterBefore.Add(Rows(await ReportAsync(from, to)));
        var oldBefore = new List<List<string>>();
        foreach (var (from, to) in old) oldBefore.Add(Rows(await ReportAsync(from, to)));
        Assert.All(oldBefore, Assert.NotEmpty);
        var everythingBefore = await ReportAsync(At(1, 1, 0), At(3, 5, 0));

        var result = await Store.DeleteSpansBeforeAsync(RetentionCutoff, includingRollups);

        // Every stored row starting before the cutoff (ingest lays a span out in parts from its start).
        var rowsBefore = History.Sum(h => Enumerable.Range(0, StoredSpans.PartCount(h.Start.ToUnixTimeMilliseconds(), h.End.ToUnixTimeMilliseconds()))
            .Count(p => StoredSpans.Part(h.Start.ToUnixTimeMilliseconds(), h.End.ToUnixTimeMilliseconds(), p).Start < cutoffMs));
        Assert.Equal(11, rowsBefore);
        Assert.Equal(rowsBefore, result.SpanRows);
        Assert.Equal(includingRollups, result.RollupRows > 0);

        // Spans ending by the cutoff are gone; one crossing it starts at it; later ones are as they were.
        foreach (var agent in new[] { "a1", "a2", "b1" })
        {
            var expected = History.Where(h => h.Agent == agent && h.End > RetentionCutoff)
                .Select(h => (h.Id, Start: h.Start < RetentionCutoff ? RetentionCutoff : h.Start, h.End, h.App, Title: $"title {h.Id}")).ToList();
            var stored = (await Store.GetSpansAsync(agent)).Select(s => (s.SpanId, s.Start, s.End, s.App!, s.Title!)).ToList();
            Assert.Equal(expected, stored);
        }
        Assert.Equal(StoredSpans.PartCount(cutoffMs, At(3, 1, 2, 15).ToUnixTimeMilliseconds()), await StoredRowsAsync("a1", 3));

        // Reports of time from the cutoff on are unchanged, from rollups and from spans alike.
        for (var i = 0; i < after.Length; i++) Assert.Equal(afterBefore[i], Rows(await ReportAsync(after[i].From, after[i].To)));
        // Old whole days and hours answer from the rollups when kept, and nothing when not.
        for (var i = 0; i < old.Length; i++) Assert.Equal(includingRollups ? [] : oldBefore[i], Rows(await ReportAsync(old[i].From, old[i].To)));
        var everything = await ReportAsync(At(1, 1, 0), At(3, 5, 0));
        if (includingRollups) Assert.Equal(Rows(await ReportAsync(RetentionCutoff, At(3, 5, 0))), Rows(everything));
        else Assert.Equal(Rows(everythingBefore), Rows(everything));

        // The daily use is that of the spans left: a span cut at the cutoff counts on the cutoff's day.
        var use = await Store.GetQuotaUseAsync(At(1, 1, 0), 0, 0);
        Assert.All(use, u => Assert.True(u.Day >= DateOnly.FromDateTime(RetentionCutoff.UtcDateTime), $"{u.AgentId} {u.Day}"));
        Assert.Equal(2, use.Single(u => u.AgentId == "a1" && u.Day == new DateOnly(2026, 3, 1)).Spans);
        Assert.Equal(2, use.Single(u => u.AgentId == "a2" && u.Day == new DateOnly(2026, 3, 1)).Spans);
        if (includingRollups) await AssertRollupsMatchRebuildAsync();

        // Ingest goes on, old months included (a month dropped is made again), and a second run finds only what came since.
        await Store.CommitAsync([new IngestBatch("a1", [
            new SpanRecord(6, 6, At(3, 3, 9).ToUnixTimeMilliseconds(), At(3, 3, 10).ToUnixTimeMilliseconds(), SpanState.Active, "code", null, null),
            new SpanRecord(7, 7, At(1, 20, 9).ToUnixTimeMilliseconds(), At(1, 20, 9, 30).ToUnixTimeMilliseconds(), SpanState.Active, "code", null, null)])]);
        Assert.Equal([3L, 4, 5, 6, 7], (await Store.GetSpansAsync("a1")).Select(s => s.SpanId).Order());
        var again = await Store.DeleteSpansBeforeAsync(RetentionCutoff, includingRollups);
        Assert.Equal(1, again.SpanRows);
        Assert.Equal([3L, 4, 5, 6], (await Store.GetSpansAsync("a1")).Select(s => s.SpanId).Order());
        Assert.Equal(0, (await Store.DeleteSpansBeforeAsync(RetentionCutoff, includingRollups)).SpanRows);
    }

    [Fact]
    public async Task The_retention_cutoff_is_a_UTC_midnight()
    {
        await Assert.ThrowsAsync<ArgumentException>(() => Store.DeleteSpansBeforeAsync(RetentionCutoff.AddHours(1), includingRollups: false));
        await Assert.ThrowsAsync<ArgumentException>(() => Store.DeleteSpansBeforeAsync(new DateTimeOffset(2026, 3, 1, 0, 0, 0, TimeSpan.FromHours(1)), includingRollups: false));
        Assert.Equal(new DateTimeOffset(2026, 1, 31, 0, 0, 0, TimeSpan.Zero), Retention.CutoffFor(new DateTimeOffset(2026, 3, 31, 23, 59, 0, TimeSpan.Zero), 2));
        Assert.Equal(new DateTimeOffset(2025, 12, 30, 0, 0, 0, TimeSpan.Zero), Retention.CutoffFor(new DateTimeOffset(2026, 3, 31, 1, 0, 0, TimeSpan.FromHours(2)), 3));
    }

    /// <summary>
    /// Many spans in the months before <see cref="RetentionCutoff"/> (each titled with <paramref name="marker"/>) and a
    /// few after it, for the stores' own checks that deleted data is really gone.
    /// </summary>
    protected async Task StoreBigHistoryAsync(string marker, int spans)
    {
        await RegisterAsync("big", "ann", "h1");
        var start = At(1, 1, 0).ToUnixTimeMilliseconds();
        var seq = 0L;
        var title = marker + new string('x', 300);
        for (var i = 0; i < spans;)
        {
            var batch = new List<SpanRecord>();
            for (var j = 0; j < 500 && i < spans; j++, i++)
            {
                seq++;
                var t = start + seq * 180_000;
                batch.Add(new SpanRecord(seq, seq, t, t + 100_000, SpanState.Active, "code", title, SpanContext.Of(("site", "old.example"))));
            }
            await Store.CommitAsync([new IngestBatch("big", batch)]);
        }
        var recent = At(3, 10, 9).ToUnixTimeMilliseconds();
        await Store.CommitAsync([new IngestBatch("big", [new SpanRecord(seq + 1, seq + 1, recent, recent + 600_000, SpanState.Active, "code", "recent", null)])]);
    }
}
