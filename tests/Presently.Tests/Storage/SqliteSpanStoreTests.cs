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

    private Task<long> Register(string id) =>
        _store.RegisterAgentAsync(new AgentRegistration(id, "ann", "host", "Linux", "1.0", ["x11"], T0, 0));

    private static SpanRecord V(long seq, long span, int startSec, int endSec, string app = "vim") =>
        new(seq, span, T0.AddSeconds(startSec).ToUnixTimeMilliseconds(), T0.AddSeconds(endSec).ToUnixTimeMilliseconds(), SpanState.Active, app, "t", null);

    private async Task<long> TotalMs() =>
        (await _store.GetActiveSpansAsync(T0.AddDays(-1), T0.AddDays(1))).Sum(s => s.EndMs - s.StartMs);

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
}
