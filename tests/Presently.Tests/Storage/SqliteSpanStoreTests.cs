using Presently.Protocol;
using Presently.Storage;
using Presently.Storage.Sqlite;
using Presently.Tests.Fixtures;

namespace Presently.Tests.Storage;

public sealed class SqliteSpanStoreTests : IAsyncLifetime
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 29, 9, 0, 0, TimeSpan.Zero);
    private readonly TempDirectory _dir = new();
    private SqliteSpanStore _store = null!;

    public async ValueTask InitializeAsync()
    {
        _store = new SqliteSpanStore(_dir.File("data/presently.db"));
        await _store.InitializeAsync();
        await Register("a1");
    }

    public async ValueTask DisposeAsync()
    {
        await _store.DisposeAsync();
        _dir.Dispose();
    }

    private async Task<long> Register(string id) =>
        (await _store.RegisterAgentAsync(new AgentRegistration(id, "ann", "host", "Linux", "1.0", ["x11"], T0, 0), sharedCredential: true))!.HighestSeq;

    private static SpanRecord V(long seq, long span, int startSec, int endSec, string app = "vim") =>
        new(seq, span, T0.AddSeconds(startSec).ToUnixTimeMilliseconds(), T0.AddSeconds(endSec).ToUnixTimeMilliseconds(), SpanState.Active, app, "t", null);

    private async Task<long> TotalMs() =>
        (await _store.RunReportAsync(new(T0.AddDays(-1), T0.AddDays(1), TimeZoneInfo.Utc, [Presently.Storage.Reports.ReportDimension.Agent]))).TotalMilliseconds;

    [Fact]
    public async Task Creates_the_file_and_reports_the_highest_seq()
    {
        Assert.True(File.Exists(_dir.File("data/presently.db")));
        await _store.CommitAsync([new IngestBatch("a1", [V(1, 1, 0, 10), V(2, 2, 10, 20)])]);
        Assert.Equal(2, await Register("a1"));
        Assert.Equal(0, await Register("a2"));
    }

    [Fact]
    public async Task The_same_batch_twice_changes_nothing()
    {
        var batch = new IngestBatch("a1", [V(1, 1, 0, 10), V(2, 2, 10, 25)]);
        await _store.CommitAsync([batch]);
        await _store.CommitAsync([batch, batch]);
        Assert.Equal(25_000, await TotalMs());
        Assert.Equal(2, (await _store.GetSpansAsync("a1")).Count);
    }

    [Fact]
    public async Task An_older_version_arriving_late_does_not_win()
    {
        await _store.CommitAsync([new IngestBatch("a1", [V(5, 1, 0, 30)])]);
        await _store.CommitAsync([new IngestBatch("a1", [V(3, 1, 0, 10)])]);
        var span = Assert.Single(await _store.GetSpansAsync("a1"));
        Assert.Equal(5, span.Seq);
        Assert.Equal(TimeSpan.FromSeconds(30), span.Duration);
        Assert.Equal(5, await Register("a1"));
    }

    [Fact]
    public async Task Survives_reopening()
    {
        await _store.CommitAsync([new IngestBatch("a1", [V(1, 1, 0, 10)])]);
        await _store.DisposeAsync();
        _store = new SqliteSpanStore(_dir.File("data/presently.db"));
        await _store.InitializeAsync();
        Assert.Equal(10_000, await TotalMs());
        var agent = Assert.Single(await _store.ListAgentsAsync());
        Assert.Equal("ann", agent.PersonName);
        Assert.Equal(1, agent.LastSpan!.SpanId);
    }

    private static SpanRecord Titled(long seq, long span, int startSec, int endSec, int titleLength) =>
        V(seq, span, startSec, endSec) with { Title = new string('t', titleLength) };

    [Fact]
    public async Task A_span_is_clipped_to_the_time_no_other_span_of_its_agent_holds()
    {
        await _store.CommitAsync([new IngestBatch("a1", [V(1, 1, 0, 100), V(2, 2, 200, 300)])]);
        await _store.CommitAsync([new IngestBatch("a1", [
            V(3, 3, 50, 250, "overlaps both"),   // keeps 100-200
            V(4, 4, 10, 20, "inside"),           // nothing left: dropped
            V(5, 5, 300, 400, "touching")])]);   // touching is not overlapping
        var spans = (await _store.GetSpansAsync("a1")).ToDictionary(s => s.SpanId);
        Assert.Equal((T0.AddSeconds(100), T0.AddSeconds(200)), (spans[3].Start, spans[3].End));
        Assert.False(spans.ContainsKey(4));
        Assert.Equal(TimeSpan.FromSeconds(100), spans[5].Duration);
        Assert.Equal(400_000, await TotalMs());

        // A span's later version is clipped the same way and never pushes into its neighbours.
        await _store.CommitAsync([new IngestBatch("a1", [V(6, 1, 0, 150)])]);
        Assert.Equal(TimeSpan.FromSeconds(100), (await _store.GetSpansAsync("a1")).Single(s => s.SpanId == 1).Duration);
    }

    [Fact]
    public async Task Records_at_or_below_the_stored_seq_never_create_or_change_a_span()
    {
        await _store.CommitAsync([new IngestBatch("a1", [V(10, 1, 0, 10)])]);
        await _store.CommitAsync([new IngestBatch("a1", [V(4, 2, 20, 30, "fabricated"), V(9, 1, 0, 5)])]);
        var span = Assert.Single(await _store.GetSpansAsync("a1"));
        Assert.Equal(10, span.Seq);
        Assert.Equal(10, await Register("a1"));
    }

    [Fact]
    public async Task Past_the_daily_quota_spans_keep_their_time_but_not_their_title_and_past_the_span_limit_they_are_not_stored()
    {
        await using var limited = new SqliteSpanStore(_dir.File("data/limited.db"), new StoreLimits(DailyQuotaBytes: 4_000, DailySpans: 5));
        await limited.InitializeAsync();
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
        await _store.CommitAsync([new IngestBatch("a1", [V(1, 100, 1, 1)])]);      // an announced span, no time yet
        await _store.CommitAsync([new IngestBatch("a1", [V(2, 200, 0, 3600)])]);
        await _store.CommitAsync([new IngestBatch("a1", [V(3, 300, 1, 3600), V(4, 400, 2, 2), V(5, 500, 2, 3600)])]);
        Assert.Equal([200L], (await _store.GetSpansAsync("a1")).Select(x => x.SpanId));
        Assert.Equal(3_600_000, await TotalMs());
        Assert.Equal(5, await Register("a1"));
    }

    [Fact]
    public async Task Only_an_active_agent_is_registered_and_only_a_new_one_created_when_allowed()
    {
        Assert.Null(await _store.RegisterAgentAsync(new AgentRegistration("never-seen", "ann", "h", "Linux", "1", [], T0, 0), sharedCredential: false));
        Assert.DoesNotContain(await _store.ListAgentsAsync(), a => a.AgentId == "never-seen");

        var accounts = new SqliteAccounts(_dir.File("data/presently.db"));
        Assert.True(await accounts.SetStatusAsync("a1", AgentStatus.Blocked));
        Assert.Null(await _store.RegisterAgentAsync(new AgentRegistration("a1", "ann", "h", "Linux", "1", [], T0, 0), sharedCredential: true));
        Assert.Equal([CommitOutcome.AgentGone], await _store.CommitAsync([new IngestBatch("a1", [V(1, 1, 0, 10)])]));
        Assert.Empty(await _store.GetSpansAsync("a1"));
    }
}
