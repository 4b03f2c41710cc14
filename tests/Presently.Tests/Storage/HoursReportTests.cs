using Presently.Storage;
using Presently.Storage.Reports;

namespace Presently.Tests.Storage;

public class HoursReportTests
{
    private static readonly DateTimeOffset T0 = new(2026, 3, 28, 22, 0, 0, TimeSpan.Zero);
    private static readonly TimeZoneInfo Berlin = TimeZoneInfo.FindSystemTimeZoneById("Europe/Berlin");

    private static ReportSpan Span(string person, string? app, DateTimeOffset start, TimeSpan length) =>
        new(person, "agent-" + person, "host", app, start.ToUnixTimeMilliseconds(), (start + length).ToUnixTimeMilliseconds());

    [Fact]
    public void Spans_count_only_for_their_overlap_with_the_period()
    {
        var spans = new[]
        {
            Span("ann", "vim", T0.AddMinutes(-30), TimeSpan.FromHours(1)),   // 30 min inside
            Span("ann", "vim", T0.AddHours(1), TimeSpan.FromMinutes(10)),    // fully inside
            Span("ann", "vim", T0.AddHours(3), TimeSpan.FromHours(1)),       // 30 min inside
            Span("ann", "vim", T0.AddHours(5), TimeSpan.FromHours(1)),       // outside
        };
        var r = HoursReport.Compute(spans, T0, T0.AddHours(3.5), TimeZoneInfo.Utc, [ReportDimension.App]);
        Assert.Equal(TimeSpan.FromMinutes(70).TotalMilliseconds, Assert.Single(r.Rows).Milliseconds);
    }

    [Fact]
    public void Groups_by_person_then_app_sorted_by_time()
    {
        var spans = new[]
        {
            Span("ann", "vim", T0, TimeSpan.FromSeconds(10)),
            Span("bob", "vim", T0, TimeSpan.FromSeconds(30)),
            Span("ann", "firefox", T0.AddSeconds(10), TimeSpan.FromSeconds(20)),
            Span("ann", "vim", T0.AddSeconds(30), TimeSpan.FromSeconds(5)),
            Span("ann", null, T0.AddSeconds(35), TimeSpan.FromSeconds(1)),
        };
        var r = HoursReport.Compute(spans, T0, T0.AddHours(1), TimeZoneInfo.Utc, [ReportDimension.Person, ReportDimension.App]);
        Assert.Equal(
            [("bob", "vim", 30_000L), ("ann", "firefox", 20_000L), ("ann", "vim", 15_000L), ("ann", HoursReport.UnknownApp, 1_000L)],
            r.Rows.Select(x => (x.Key[0], x.Key[1], x.Milliseconds)));
        Assert.Equal(66_000, r.TotalMilliseconds);
    }

    [Fact]
    public void Days_are_cut_at_local_midnight_across_a_DST_change()
    {
        // Berlin switches to summer time on 2026-03-29 at 02:00 local; that day has 23 hours.
        var start = new DateTimeOffset(2026, 3, 28, 23, 0, 0, TimeSpan.FromHours(1)); // 23:00 local, 22:00 UTC
        var spans = new[] { Span("ann", "vim", start, TimeSpan.FromHours(25)) };     // until 01:00 local on the 30th
        var from = new DateTimeOffset(2026, 3, 28, 0, 0, 0, TimeSpan.FromHours(1));
        var r = HoursReport.Compute(spans, from, from.AddDays(4), Berlin, [ReportDimension.Day]);
        Assert.Equal(
            [("2026-03-29", 23 * 3_600_000L), ("2026-03-28", 3_600_000L), ("2026-03-30", 3_600_000L)],
            r.Rows.Select(x => (x.Key[0], x.Milliseconds)));
    }

    [Fact]
    public void Exact_to_the_millisecond_for_an_odd_period()
    {
        var spans = Enumerable.Range(0, 1000).Select(i => Span("ann", "app" + (i % 3), T0.AddMilliseconds(i * 1000), TimeSpan.FromMilliseconds(999))).ToList();
        var from = T0.AddMilliseconds(123_456);
        var to = T0.AddMilliseconds(654_321);
        var expected = spans.Sum(s => Math.Max(0, Math.Min(s.EndMs, to.ToUnixTimeMilliseconds()) - Math.Max(s.StartMs, from.ToUnixTimeMilliseconds())));
        var r = HoursReport.Compute(spans, from, to, TimeZoneInfo.Utc, [ReportDimension.App]);
        Assert.Equal(expected, r.TotalMilliseconds);
    }

    [Fact]
    public void An_empty_period_is_an_empty_report() =>
        Assert.Empty(HoursReport.Compute([Span("ann", "vim", T0, TimeSpan.FromHours(1))], T0, T0, TimeZoneInfo.Utc, [ReportDimension.App]).Rows);

    [Fact]
    public void One_agents_overlapping_spans_count_once_and_the_earlier_span_keeps_the_shared_time()
    {
        var spans = new[]
        {
            Span("ann", "vim", T0, TimeSpan.FromHours(1)),
            Span("ann", "firefox", T0.AddMinutes(30), TimeSpan.FromHours(1)), // 30 min shared with vim
            Span("ann", "slack", T0.AddMinutes(10), TimeSpan.FromMinutes(5)), // inside vim
            Span("bob", "vim", T0, TimeSpan.FromHours(1)),                    // another agent: its own time
        };
        var r = HoursReport.Compute(spans, T0.AddMinutes(-5), T0.AddHours(3), TimeZoneInfo.Utc, [ReportDimension.Person, ReportDimension.App]);
        Assert.Equal(TimeSpan.FromMinutes(90).TotalMilliseconds, r.Rows.Where(x => x.Key[0] == "ann").Sum(x => x.Milliseconds));
        Assert.Equal(TimeSpan.FromMinutes(60).TotalMilliseconds, r.Rows.Single(x => x.Key[0] == "ann" && x.Key[1] == "vim").Milliseconds);
        Assert.Equal(TimeSpan.FromMinutes(30).TotalMilliseconds, r.Rows.Single(x => x.Key[0] == "ann" && x.Key[1] == "firefox").Milliseconds);
        Assert.DoesNotContain(r.Rows, x => x.Key[1] == "slack");
        Assert.Equal(TimeSpan.FromMinutes(60).TotalMilliseconds, r.Rows.Single(x => x.Key[0] == "bob").Milliseconds);
    }

    [Fact]
    public void Groups_beyond_the_row_limit_are_folded_into_one_row_and_keep_their_time()
    {
        var spans = Enumerable.Range(0, 10).Select(i => Span("ann", $"app{i}", T0.AddMinutes(i * 10), TimeSpan.FromMinutes(10 - i))).ToArray();
        var full = HoursReport.Compute(spans, T0, T0.AddHours(3), TimeZoneInfo.Utc, [ReportDimension.Person, ReportDimension.App]);
        var capped = HoursReport.Compute(spans, T0, T0.AddHours(3), TimeZoneInfo.Utc, [ReportDimension.Person, ReportDimension.App], maxRows: 4);
        Assert.Equal(10, full.Rows.Count);
        Assert.Equal(4, capped.Rows.Count);
        Assert.Equal(7, capped.FoldedGroups);
        Assert.Equal(["app0", "app1", "app2"], capped.Rows.Take(3).Select(r => r.Key[1]));
        Assert.Equal([HoursReport.Other, HoursReport.Other], capped.Rows[3].Key);
        Assert.Equal(TimeSpan.FromMinutes(7 + 6 + 5 + 4 + 3 + 2 + 1).TotalMilliseconds, capped.Rows[3].Milliseconds);
        Assert.Equal(full.TotalMilliseconds, capped.TotalMilliseconds);
    }

    [Fact]
    public void A_day_starting_at_an_hour_that_happens_twice_starts_the_first_time_and_agrees_with_local_day()
    {
        // New York leaves DST on 2026-11-01 at 02:00, so 01:00 comes twice (05:00 and 06:00 UTC).
        var zone = TimeZoneInfo.FindSystemTimeZoneById("America/New_York");
        var next = HoursReport.NextLocalMidnightMs(new DateOnly(2026, 10, 31), zone, dayStartHour: 1);
        Assert.Equal(new DateTimeOffset(2026, 11, 1, 5, 0, 0, TimeSpan.Zero).ToUnixTimeMilliseconds(), next);
        Assert.Equal(new DateOnly(2026, 10, 31), HoursReport.LocalDay(next - 1, zone, 1));
        Assert.Equal(new DateOnly(2026, 11, 1), HoursReport.LocalDay(next, zone, 1));
        Assert.Equal(new DateOnly(2026, 11, 1), HoursReport.LocalDay(next + 3_600_000, zone, 1));
    }
}
