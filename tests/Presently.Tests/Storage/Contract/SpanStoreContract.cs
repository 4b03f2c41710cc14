using Presently.Protocol;
using Presently.Storage;
using Presently.Storage.Categories;
using Presently.Storage.Reports;
using Presently.Storage.Rollups;

namespace Presently.Tests.Storage.Contract;

/// <summary>
/// What every span store must do, run against each one: reports from rollups and edges agree with
/// the pure hours transform over the stored spans, to the millisecond, and the rollups kept on
/// ingest equal the ones rebuilt from spans.
/// </summary>
public abstract partial class SpanStoreContract : IAsyncLifetime
{
    private static readonly string[] Apps = ["code", "firefox", "slack", "xterm"];
    private static readonly string[] Zones = ["UTC", "Europe/Berlin", "Asia/Kolkata", "Asia/Kathmandu", "Australia/Lord_Howe", "America/New_York"];
    // Days around DST changes in the zones above.
    private static readonly DateTimeOffset[] Starts =
    [
        new(2026, 10, 23, 20, 0, 0, TimeSpan.Zero), new(2026, 3, 27, 21, 30, 0, TimeSpan.Zero),
        new(2026, 4, 3, 10, 0, 0, TimeSpan.Zero), new(2026, 10, 31, 18, 45, 0, TimeSpan.Zero),
    ];
    private static readonly ReportDimension[][] Groupings =
    [
        [ReportDimension.Person, ReportDimension.App], [ReportDimension.Agent, ReportDimension.App, ReportDimension.Day],
        [ReportDimension.Day], [ReportDimension.Person, ReportDimension.Site], [ReportDimension.App, ReportDimension.Project, ReportDimension.Day],
        [ReportDimension.Tab], [ReportDimension.Site, ReportDimension.Project], [ReportDimension.Host, ReportDimension.Command], [ReportDimension.Person],
        [ReportDimension.Category], [ReportDimension.Person, ReportDimension.Category, ReportDimension.Day], [ReportDimension.Category, ReportDimension.Site],
    ];
    private static readonly string?[] Titles = ["title", "standup notes", null, null];

    protected ISpanStore Store { get; private set; } = null!;

    /// <summary>A new, empty, initialised store.</summary>
    protected abstract Task<ISpanStore> CreateStoreAsync();

    /// <summary>Another new, empty, initialised store with these limits, on a database of its own; the test disposes the store.</summary>
    protected abstract Task<ISpanStore> CreateLimitedStoreAsync(StoreLimits limits);

    /// <summary>A new instance of the store on <see cref="Store"/>'s database, which has been closed (as a server restart does).</summary>
    protected abstract Task<ISpanStore> ReopenAsync();

    /// <summary>The account side's agent registry on <see cref="Store"/>'s database (blocking and removing agents).</summary>
    protected abstract IAgentRegistry Registry { get; }

    /// <summary>Every non-zero rollup row, as "table|key…" → ms.</summary>
    protected abstract Task<IReadOnlyDictionary<string, long>> RollupSnapshotAsync();

    /// <summary>How many rows the store keeps for one agent's span.</summary>
    protected abstract Task<int> StoredRowsAsync(string agentId, long spanId);

    /// <summary>How many span rows the store keeps in all, whatever agent they name (one no longer there too).</summary>
    protected abstract Task<long> AllSpanRowsAsync();

    public async ValueTask InitializeAsync() => Store = await CreateStoreAsync();

    public virtual async ValueTask DisposeAsync() => await Store.DisposeAsync();

    protected async Task RegisterAsync(string agent, string person, string host) =>
        await Store.RegisterAgentAsync(new AgentRegistration(agent, person, host, "Linux", "1.0", ["x11"], Starts[0], 0), sharedCredential: true);

    [Fact]
    public async Task A_span_longer_than_a_row_is_stored_in_parts_and_read_back_whole()
    {
        await RegisterAsync("a1", "ann", "h1");
        var t0 = Starts[0].ToUnixTimeMilliseconds();
        // 2 h 30 m, then extended to 3 h 10 m, then shortened to 50 minutes: parts appear and go.
        foreach (var (seq, end) in new[] { (1L, 150L), (2L, 190L), (3L, 50L) })
        {
            await Store.CommitAsync([new IngestBatch("a1", [new SpanRecord(seq, 7, t0, t0 + end * 60_000, SpanState.Active, "code", "t", SpanContext.Of(("site", "example.org")))])]);
            var span = Assert.Single(await Store.GetSpansAsync("a1"));
            Assert.Equal((seq, end * 60_000), (span.Seq, (long)span.Duration.TotalMilliseconds));
            Assert.Equal(StoredSpans.PartCount(t0, t0 + end * 60_000), await StoredRowsAsync("a1", 7));
            var report = await Store.RunReportAsync(new ReportRequest(Starts[0].AddDays(-1), Starts[0].AddDays(1), TimeZoneInfo.Utc, [ReportDimension.App, ReportDimension.Site]));
            Assert.Equal(["code", "example.org"], Assert.Single(report.Rows).Key);
            Assert.Equal(end * 60_000, report.TotalMilliseconds);
        }

        // A span arriving inside the long one's second hour is clipped to what follows it.
        await Store.CommitAsync([new IngestBatch("a1", [new SpanRecord(4, 8, t0 + 30 * 60_000, t0 + 120 * 60_000, SpanState.Active, "xterm", null, null)])]);
        Assert.Equal((t0 + 50 * 60_000, t0 + 120 * 60_000), (await Store.GetSpansAsync("a1")).Where(s => s.SpanId == 8).Select(s => (s.Start.ToUnixTimeMilliseconds(), s.End.ToUnixTimeMilliseconds())).Single());
        await Store.CommitAsync([new IngestBatch("a1", [new SpanRecord(5, 7, t0, t0 + 190 * 60_000, SpanState.Active, "code", "t", null)])]);
        await Store.CommitAsync([new IngestBatch("a1", [new SpanRecord(6, 9, t0 + 100 * 60_000, t0 + 200 * 60_000, SpanState.Active, "slack", null, null)])]);
        // Span 7 grew back to 190 minutes only where span 8 was not, so it keeps [0, 50); span 9 keeps [120, 200).
        var spans = (await Store.GetSpansAsync("a1")).ToDictionary(s => s.SpanId, s => ((s.Start.ToUnixTimeMilliseconds() - t0) / 60_000, (s.End.ToUnixTimeMilliseconds() - t0) / 60_000));
        Assert.Equal((0L, 50L), spans[7]);
        Assert.Equal((120L, 200L), spans[9]);
        await AssertRollupsMatchRebuildAsync();
    }

    [Theory]
    [InlineData(20261130)]
    [InlineData(7)]
    [InlineData(1234567)]
    public async Task Reports_from_rollups_equal_the_hours_transform_over_stored_spans_for_random_spans_periods_and_zones(int seed)
    {
        var random = new Random(seed);
        var agents = new[] { ("a1", "ann", "h1"), ("a2", "ann", "h2"), ("b1", "bob", "h3") };
        foreach (var (id, person, host) in agents) await RegisterAsync(id, person, host);
        var start = Starts[random.Next(Starts.Length)].ToUnixTimeMilliseconds();
        // Categories on app, title and context, three levels deep: ingest puts each span's time in one.
        var categories = (ICategoryStore)Registry;
        foreach (var (path, field, pattern) in new[]
        {
            ("Work", CategoryField.Any, ""), ("Work/Coding", CategoryField.App, "^(code|xterm)$"), ("Work/Coding/Web", CategoryField.Context, @"^s1\.org$"),
            ("Work/Meetings", CategoryField.Title, "standup"), ("Chat", CategoryField.App, "slack"),
        })
            Assert.NotNull(await categories.CreateCategoryAsync(new Category(0, path, pattern, field, null, 0)));
        Assert.True(await Store.RefreshCategoriesAsync());
        var rules = new CategoryRules(await categories.ListCategoriesAsync());

        foreach (var (id, _, _) in agents)
        {
            var records = RandomRecords(random, start);
            // Delivered in random batches, some of them twice (re-delivery after a lost ack).
            for (var i = 0; i < records.Count;)
            {
                var batch = records.Skip(i).Take(random.Next(1, 40)).ToList();
                await Store.CommitAsync([new IngestBatch(id, batch)]);
                if (random.Next(4) == 0) await Store.CommitAsync([new IngestBatch(id, batch)]);
                i += batch.Count;
            }
        }

        var stored = new List<ReportSpan>();
        foreach (var (id, person, host) in agents)
            stored.AddRange((await Store.GetSpansAsync(id)).Where(s => s.State == SpanState.Active && s.End > s.Start)
                .Select(s => new ReportSpan(person, id, host, s.App, s.Start.ToUnixTimeMilliseconds(), s.End.ToUnixTimeMilliseconds(), s.Context, Title: s.Title)));

        // Days that start at another hour than midnight, for a third of the reports (drawn apart, so
        // the other draws are those of before).
        var dayStarts = new Random(seed + 1);
        for (var i = 0; i < 360; i++)
        {
            if (i == 300)
            {
                // An admin changes the rules: the category rollups are summed again, and reports follow at once.
                var chat = (await categories.ListCategoriesAsync()).Single(c => c.Path == "Chat");
                Assert.True(await categories.UpdateCategoryAsync(chat with { Pattern = "slack|firefox" }));
                Assert.True(await Store.RefreshCategoriesAsync());
                Assert.False(await Store.RefreshCategoriesAsync());
                rules = new CategoryRules(await categories.ListCategoriesAsync());
            }
            var dayStart = dayStarts.Next(3) == 0 ? dayStarts.Next(1, 24) : 0;
            var zone = TimeZoneInfo.FindSystemTimeZoneById(Zones[random.Next(Zones.Length)]);
            var groupBy = Groupings[random.Next(Groupings.Length)];
            var (from, to) = RandomPeriod(random, start, zone);
            var onlyPerson = random.Next(3) == 0 ? "ann" : null;
            var expected = HoursReport.Compute(stored.Where(s => onlyPerson is null || s.Person == onlyPerson), from, to, zone, groupBy, dayStartHour: dayStart, categories: rules);
            var actual = await Store.RunReportAsync(new ReportRequest(from, to, zone, groupBy, onlyPerson, DayStartHour: dayStart));
            var context = $"report {i}: period {from:O} – {to:O} in {zone.Id}, days from {dayStart}:00, by {string.Join(",", groupBy)}, only {onlyPerson ?? "everyone"}";
            Assert.True(expected.Rows.Count > 0 || to - from < TimeSpan.FromHours(1) || actual.Rows.Count == 0, context);
            Assert.True(Rows(expected).SequenceEqual(Rows(actual)), $"{context}: expected {string.Join("; ", Rows(expected))}, actual {string.Join("; ", Rows(actual))}");
        }
        await AssertRollupsMatchRebuildAsync();
    }

    [Fact]
    public async Task Commits_of_different_people_at_once_or_in_one_group_store_what_one_at_a_time_stores()
    {
        var random = new Random(12);
        var start = Starts[0].ToUnixTimeMilliseconds();
        const int people = 8;
        for (var i = 0; i < people; i++)
        {
            await RegisterAsync($"c{i}", $"concurrent-{i}", $"h{i}");
            await RegisterAsync($"s{i}", $"sequential-{i}", $"h{i}");
            await RegisterAsync($"g{i}", $"grouped-{i}", $"h{i}");
        }
        var records = Enumerable.Range(0, people).Select(_ => RandomRecords(random, start)).ToArray();

        // Every person's batches in order, all people at once (as many commits at a time as the store
        // takes: IngestLanes), and a maintenance write, which must have the store alone, in the middle.
        var writers = Enumerable.Range(0, people).Select(i => Task.Run(async () =>
        {
            foreach (var batch in records[i].Chunk(20)) await Store.CommitAsync([new IngestBatch($"c{i}", batch)]);
        })).ToList();
        writers.Add(Task.Run(async () => await Store.RefreshCategoriesAsync()));
        await Task.WhenAll(writers);
        for (var i = 0; i < people; i++)
            foreach (var batch in records[i].Chunk(20)) await Store.CommitAsync([new IngestBatch($"s{i}", batch)]);
        // Many agents' batches in one group commit, as the ingest writer makes them, one agent's twice.
        var chunks = records.Select(r => r.Chunk(20).ToArray()).ToArray();
        var next = new int[people];
        while (Enumerable.Range(0, people).Any(i => next[i] < chunks[i].Length))
        {
            var group = new List<IngestBatch>();
            for (var i = 0; i < people; i++)
                if (next[i] < chunks[i].Length) group.Add(new IngestBatch($"g{i}", chunks[i][next[i]++]));
            if (next[0] < chunks[0].Length) group.Add(new IngestBatch("g0", chunks[0][next[0]++]));
            await Store.CommitAsync(group);
        }

        for (var i = 0; i < people; i++)
        {
            static IEnumerable<(long, DateTimeOffset, DateTimeOffset, string?, long)> Rows(IEnumerable<StoredSpan> spans) =>
                spans.Select(s => (s.SpanId, s.Start, s.End, s.App, s.Seq)).Order();
            Assert.Equal(Rows(await Store.GetSpansAsync($"s{i}")), Rows(await Store.GetSpansAsync($"c{i}")));
            Assert.Equal(Rows(await Store.GetSpansAsync($"s{i}")), Rows(await Store.GetSpansAsync($"g{i}")));
        }
        await AssertRollupsMatchRebuildAsync();
    }

    [Fact]
    public async Task A_group_sees_what_its_earlier_batches_of_the_same_agent_stored()
    {
        await RegisterAsync("x1", "xena", "h1");
        await RegisterAsync("y1", "yuri", "h1");
        var t0 = Starts[0].ToUnixTimeMilliseconds();
        // Span 1, then span 2 after it, then span 1 grown over span 2's time: it must stop where span 2 starts.
        IngestBatch[] Batches(string id) =>
        [
            new(id, [new SpanRecord(1, 1, t0, t0 + 100_000, SpanState.Active, "a", null, null)]),
            new(id, [new SpanRecord(2, 2, t0 + 100_000, t0 + 200_000, SpanState.Active, "b", null, null)]),
            new(id, [new SpanRecord(3, 1, t0, t0 + 300_000, SpanState.Active, "a", null, null)]),
        ];
        await Store.CommitAsync(Batches("x1"));
        foreach (var batch in Batches("y1")) await Store.CommitAsync([batch]);

        static IEnumerable<(long, long, long)> Rows(IEnumerable<StoredSpan> spans) =>
            spans.Select(s => (s.SpanId, s.Start.ToUnixTimeMilliseconds(), s.End.ToUnixTimeMilliseconds())).Order();
        var alone = Rows(await Store.GetSpansAsync("y1")).ToList();
        Assert.Equal([(1L, t0, t0 + 100_000), (2L, t0 + 100_000, t0 + 200_000)], alone);
        Assert.Equal(alone, Rows(await Store.GetSpansAsync("x1")));
        await AssertRollupsMatchRebuildAsync();
    }

    protected async Task AssertRollupsMatchRebuildAsync()
    {
        var kept = await RollupSnapshotAsync();
        await Store.RebuildRollupsAsync();
        Assert.Equal(kept.OrderBy(e => e.Key, StringComparer.Ordinal), (await RollupSnapshotAsync()).OrderBy(e => e.Key, StringComparer.Ordinal));
        Assert.NotEmpty(kept);
    }

    private static List<string> Rows(ReportResult r) =>
        [.. r.Rows.Select(row => string.Join(" | ", row.Key) + " = " + row.Milliseconds).Order(StringComparer.Ordinal)];

    /// <summary>About three days of one agent: mostly forward in time, with extensions, replacements, other states and stray overlaps.</summary>
    private static List<SpanRecord> RandomRecords(Random random, long startMs)
    {
        var records = new List<SpanRecord>();
        long seq = 0, spanId = 0, t = startMs + random.Next(0, 3_600_000);
        while (t < startMs + 3 * ReportPlan.DayMs)
        {
            var length = random.Next(10) switch { 0 => random.Next(3_600_000, 11_000_000), < 4 => random.Next(60_000, 1_800_000), _ => random.Next(500, 60_000) };
            var state = random.Next(8) switch { 0 => SpanState.Idle, 1 => SpanState.Private, _ => SpanState.Active };
            var app = state == SpanState.Active ? (random.Next(12) == 0 ? null : Apps[random.Next(Apps.Length)]) : null;
            var context = state != SpanState.Active ? null : random.Next(3) switch
            {
                0 => SpanContext.Of(("site", $"s{random.Next(3)}.org"), ("tab", $"tab {random.Next(5)}")),
                1 => SpanContext.Of(("project", $"p{random.Next(2)}"), ("command", $"c{random.Next(2)}")),
                _ => null,
            };
            var id = ++spanId;
            // Announced with zero length, then extended once or twice, sometimes with another app.
            records.Add(new SpanRecord(++seq, id, t, t, state, app, null, context));
            records.Add(new SpanRecord(++seq, id, t, t + length / 2, state, app, null, context));
            if (random.Next(5) == 0 && state == SpanState.Active) app = Apps[random.Next(Apps.Length)];
            records.Add(new SpanRecord(++seq, id, t, t + length, state, app, state == SpanState.Active ? Titles[random.Next(Titles.Length)] : null, context));
            // A stray record overlapping what came before (a clock step): ingest clips it.
            if (random.Next(15) == 0)
                records.Add(new SpanRecord(++seq, ++spanId, t - random.Next(1, 600_000), t + random.Next(1, 600_000), SpanState.Active, "stray", null, null));
            t += length + (random.Next(6) == 0 ? random.Next(1, 8 * 3_600_000) : random.Next(0, 5_000));
        }
        return records;
    }

    /// <summary>Instants to the millisecond, or local dates, inside or around the data.</summary>
    private static (DateTimeOffset From, DateTimeOffset To) RandomPeriod(Random random, long startMs, TimeZoneInfo zone)
    {
        var kind = random.Next(3);
        if (kind == 0)
        {
            var day = DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(DateTimeOffset.FromUnixTimeMilliseconds(startMs), zone).DateTime).AddDays(random.Next(-1, 3));
            return (Midnight(day, zone), Midnight(day.AddDays(random.Next(1, 4)), zone));
        }
        var from = startMs + random.NextInt64(-ReportPlan.DayMs, 3 * ReportPlan.DayMs);
        // On whole hours, where a bucket boundary and the period's bound meet.
        if (kind == 1) return Whole(from, random.Next(1, 80) * ReportPlan.HourMs);
        var length = random.Next(3) switch { 0 => random.NextInt64(1, 3_600_000), 1 => random.NextInt64(3_600_000, ReportPlan.DayMs), _ => random.NextInt64(ReportPlan.DayMs, 4 * ReportPlan.DayMs) };
        return (DateTimeOffset.FromUnixTimeMilliseconds(from), DateTimeOffset.FromUnixTimeMilliseconds(from + length));
    }

    private static (DateTimeOffset, DateTimeOffset) Whole(long fromMs, long lengthMs)
    {
        var from = fromMs - fromMs % ReportPlan.HourMs;
        return (DateTimeOffset.FromUnixTimeMilliseconds(from), DateTimeOffset.FromUnixTimeMilliseconds(from + lengthMs));
    }

    private static DateTimeOffset Midnight(DateOnly day, TimeZoneInfo zone) =>
        DateTimeOffset.FromUnixTimeMilliseconds(HoursReport.NextLocalMidnightMs(day.AddDays(-1), zone));
}
