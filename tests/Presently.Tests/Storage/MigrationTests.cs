using Microsoft.Data.Sqlite;
using Presently.Protocol;
using Presently.Storage;
using Presently.Storage.Sqlite;
using Presently.Tests.Fixtures;

namespace Presently.Tests.Storage;

/// <summary>A database written before the abuse limits (schema version 2) opens, migrates and keeps its data.</summary>
public sealed class MigrationTests : IDisposable
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 29, 9, 0, 0, TimeSpan.Zero);
    private readonly TempDirectory _dir = new();

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        _dir.Dispose();
    }

    private const string SiteJson = "{\"site\":\"example.org\"}";

    private static long Ms(int seconds) => T0.AddSeconds(seconds).ToUnixTimeMilliseconds();

    [Fact]
    public async Task A_version_2_database_with_people_agents_and_spans_migrates()
    {
        var path = _dir.File("old/presently.db");
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        await using (var db = new SqliteConnection($"Data Source={path};Pooling=False"))
        {
            await db.OpenAsync();
            await using var cmd = db.CreateCommand();
            cmd.CommandText = SqliteSchema.Migrations[0].Sql + SqliteSchema.Migrations[1].Sql + $"""
                PRAGMA user_version = 2;
                INSERT INTO persons(name, role, password_hash) VALUES ('ann', 'admin', 'hash'), ('bob', 'member', NULL);
                INSERT INTO agents(id, person_id, host, os, agent_version, capabilities, first_seen_ms, last_seen_ms, highest_seq)
                    VALUES ('a1', 1, 'h', 'Linux', '1', '', {Ms(0)}, {Ms(0)}, 3);
                -- Written before ingest kept spans apart: an overlap and a zero-length announcement.
                INSERT INTO spans(agent_key, span_id, seq, start_ms, end_ms, state, app, title, context) VALUES
                    (1, 1, 1, {Ms(0)}, {Ms(100)}, 0, 'vim', 'notes', NULL),
                    (1, 2, 2, {Ms(50)}, {Ms(150)}, 0, 'firefox', NULL, NULL),
                    (1, 3, 3, {Ms(150)}, {Ms(150)}, 0, 'xterm', NULL, NULL),
                    -- Longer than a stored row may be now: split into parts by the migration.
                    (1, 5, 3, {Ms(3600)}, {Ms(3600 + 3 * 3600 + 60)}, 0, 'code', NULL, '{SiteJson}');
                """;
            await cmd.ExecuteNonQueryAsync();
        }

        await using var store = new SqliteSpanStore(path, new StoreLimits(1_000_000, 1_000));
        await store.InitializeAsync();
        var accounts = new SqliteAccounts(path, TimeProvider.System);
        Assert.All(await accounts.ListPeopleAsync(), p => Assert.Equal(32, p.SecurityStamp.Length));
        Assert.Equal(2, (await accounts.ListPeopleAsync()).Select(p => p.SecurityStamp).Distinct().Count());

        // The day's use is counted from the old rows: 64 + "vim" + "notes", 64 + "firefox", 64 + "xterm".
        var use = Assert.Single(await store.GetQuotaUseAsync(T0.AddDays(-1), 1, 1));
        Assert.Equal((64 + 3 + 5) + (64 + 7) + (64 + 5) + (64 + 4 + 22), use.Bytes);
        Assert.Equal(4, use.Spans);

        // Reports count the old overlap once; new spans are kept apart from the old ones.
        Assert.Equal(150_000, (await store.RunReportAsync(new(T0, T0.AddHours(1), TimeZoneInfo.Utc, [Presently.Storage.Reports.ReportDimension.Agent]))).TotalMilliseconds);
        Assert.Equal([CommitOutcome.Stored], await store.CommitAsync([new IngestBatch("a1", [
            new SpanRecord(4, 4, Ms(120), Ms(200), SpanState.Active, "code", null, null)])]));
        Assert.Equal((T0.AddSeconds(150), T0.AddSeconds(200)), (await store.GetSpansAsync("a1")).Where(s => s.SpanId == 4).Select(s => (s.Start, s.End)).Single());

        // The long span reads back whole, and the rollups built by the migration count it exactly,
        // by site too (a context rollup).
        Assert.Equal((T0.AddHours(1), T0.AddHours(4).AddMinutes(1)), (await store.GetSpansAsync("a1")).Where(s => s.SpanId == 5).Select(s => (s.Start, s.End)).Single());
        var bySite = await store.RunReportAsync(new(T0.AddHours(-9), T0.AddHours(15), TimeZoneInfo.Utc, [Presently.Storage.Reports.ReportDimension.Site]));
        Assert.Equal([("example.org", 3 * 3_600_000L + 60_000), ("(none)", 200_000L)], bySite.Rows.Select(r => (r.Key[0], r.Milliseconds)));
    }
}
