using Microsoft.Data.Sqlite;
using Presently.Storage;
using Presently.Storage.Sqlite;
using Presently.Tests.Fixtures;

namespace Presently.Tests.Storage.Contract;

public sealed class SqliteSpanStoreContractTests : SpanStoreContract
{
    private readonly TempDirectory _dir = new();
    private string Path => _dir.File("presently.db");

    protected override Task<ISpanStore> CreateStoreAsync() => OpenAsync(Path);

    protected override Task<ISpanStore> CreateLimitedStoreAsync(StoreLimits limits) => OpenAsync(_dir.File("limited.db"), limits);

    protected override Task<ISpanStore> ReopenAsync() => OpenAsync(Path);

    protected override IAgentRegistry Registry => new SqliteAccounts(Path);

    private static async Task<ISpanStore> OpenAsync(string path, StoreLimits? limits = null)
    {
        var store = new SqliteSpanStore(path, limits);
        await store.InitializeAsync();
        return store;
    }

    protected override async Task<IReadOnlyDictionary<string, long>> RollupSnapshotAsync()
    {
        var rows = new Dictionary<string, long>();
        await using var db = new SqliteConnection($"Data Source={Path};Pooling=False");
        await db.OpenAsync();
        foreach (var table in Presently.Storage.Rollups.RollupTable.Names)
        {
            await using var cmd = db.CreateCommand();
            cmd.CommandText = $"SELECT * FROM {table} WHERE ms != 0";
            await using var r = await cmd.ExecuteReaderAsync();
            while (await r.ReadAsync())
            {
                var values = Enumerable.Range(0, r.FieldCount - 1).Select(i => Convert.ToString(r.GetValue(i), System.Globalization.CultureInfo.InvariantCulture));
                rows[table + "|" + string.Join("|", values)] = r.GetInt64(r.FieldCount - 1);
            }
        }
        return rows;
    }

    protected override async Task<int> StoredRowsAsync(string agentId, long spanId)
    {
        await using var db = new SqliteConnection($"Data Source={Path};Pooling=False");
        await db.OpenAsync();
        await using var cmd = db.CreateCommand();
        cmd.CommandText = "SELECT count(*) FROM spans WHERE span_id = $s AND agent_key = (SELECT key FROM agents WHERE id = $a)";
        cmd.Parameters.AddWithValue("$s", spanId);
        cmd.Parameters.AddWithValue("$a", agentId);
        return Convert.ToInt32(await cmd.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture);
    }

    protected override async Task<long> AllSpanRowsAsync()
    {
        await using var db = new SqliteConnection($"Data Source={Path};Pooling=False");
        await db.OpenAsync();
        await using var cmd = db.CreateCommand();
        cmd.CommandText = "SELECT count(*) FROM spans";
        return Convert.ToInt64(await cmd.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture);
    }

    private long FileBytes() => new[] { Path, Path + "-wal" }.Where(File.Exists).Sum(f => new FileInfo(f).Length);

    private bool FilesContain(string marker)
    {
        var needle = System.Text.Encoding.UTF8.GetBytes(marker);
        return new[] { Path, Path + "-wal" }.Where(File.Exists).Any(f => File.ReadAllBytes(f).AsSpan().IndexOf(needle) >= 0);
    }

    [Fact]
    public async Task Retention_shrinks_the_file_and_leaves_no_copy_of_what_it_deleted()
    {
        const string marker = "deleted-by-retention-7f3a";
        await StoreBigHistoryAsync(marker, 20_000);
        var before = FileBytes();
        Assert.True(FilesContain(marker));

        var result = await Store.DeleteSpansBeforeAsync(RetentionCutoff, includingRollups: true);

        Assert.Equal(20_000, result.SpanRows);
        var after = FileBytes();
        TestContext.Current.TestOutputHelper?.WriteLine($"file {before / 1024} KiB before, {after / 1024} KiB after");
        Assert.True(after < before / 4, $"{before} bytes before, {after} after");
        Assert.False(FilesContain(marker));
        Assert.Equal(["recent"], (await Store.GetSpansAsync("big")).Select(s => s.Title));
    }

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        SqliteConnection.ClearAllPools();
        _dir.Dispose();
    }
}
