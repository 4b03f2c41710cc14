using Npgsql;
using Presently.Storage;
using Presently.Storage.Postgres;
using Presently.Tests.Fixtures;

namespace Presently.Tests.Storage.Contract;

public sealed class PostgresSpanStoreContractTests : SpanStoreContract
{
    private PostgresDatabase? _db;
    private NpgsqlDataSource _source = null!;
    private readonly List<PostgresDatabase> _otherDatabases = [];

    protected override async Task<ISpanStore> CreateStoreAsync()
    {
        _db = await (await PostgresServer.Shared()).CreateDatabaseAsync();
        _source = _db.CreateDataSource();
        return await OpenAsync(_source);
    }

    protected override async Task<ISpanStore> CreateLimitedStoreAsync(StoreLimits limits)
    {
        var db = await (await PostgresServer.Shared()).CreateDatabaseAsync();
        _otherDatabases.Add(db);
        return await OpenAsync(db.CreateDataSource(), limits);
    }

    /// <summary>A new store on a new data source (new connections) over the same database.</summary>
    protected override Task<ISpanStore> ReopenAsync()
    {
        _source = _db!.CreateDataSource();
        return OpenAsync(_source);
    }

    protected override IAgentRegistry Registry => new PostgresAccounts(_source, TimeProvider.System);

    private static async Task<ISpanStore> OpenAsync(NpgsqlDataSource source, StoreLimits? limits = null)
    {
        // Four commits at once, as the server runs it by default.
        var store = new PostgresSpanStore(source, limits, ingestLanes: 4);
        await store.InitializeAsync();
        return store;
    }

    protected override async Task<IReadOnlyDictionary<string, long>> RollupSnapshotAsync()
    {
        var rows = new Dictionary<string, long>();
        foreach (var table in Presently.Storage.Rollups.RollupTable.Names)
        {
            await using var cmd = _source.CreateCommand($"SELECT * FROM {table} WHERE ms != 0");
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
        await using var cmd = _source.CreateCommand("SELECT count(*) FROM spans WHERE span_id = $1 AND agent_key = (SELECT key FROM agents WHERE id = $2)");
        cmd.Parameters.Add(new NpgsqlParameter { Value = spanId });
        cmd.Parameters.Add(new NpgsqlParameter { Value = agentId });
        return Convert.ToInt32(await cmd.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture);
    }

    protected override async Task<long> AllSpanRowsAsync()
    {
        await using var cmd = _source.CreateCommand("SELECT count(*) FROM spans");
        return Convert.ToInt64(await cmd.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture);
    }

    private async Task<List<string>> PartitionsAsync()
    {
        await using var cmd = _source.CreateCommand("""
            SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = 'spans'::regclass ORDER BY c.relname
            """);
        var names = new List<string>();
        await using var r = await cmd.ExecuteReaderAsync();
        while (await r.ReadAsync()) names.Add(r.GetString(0));
        return names;
    }

    [Fact]
    public async Task Retention_drops_the_partitions_of_months_before_the_cutoff()
    {
        await StoreBigHistoryAsync("deleted-by-retention", 20_000);
        // 20,000 three-minute steps from 1 January reach into February; the recent span is in March.
        Assert.Equal(["spans_y2026m01", "spans_y2026m02", "spans_y2026m03"], await PartitionsAsync());

        var result = await Store.DeleteSpansBeforeAsync(RetentionCutoff, includingRollups: false);

        Assert.Equal(20_000, result.SpanRows);
        Assert.Equal(["spans_y2026m03"], await PartitionsAsync());
        Assert.Equal(["recent"], (await Store.GetSpansAsync("big")).Select(s => s.Title));
        await using var old = _source.CreateCommand("SELECT count(*) FROM rollup_days WHERE day < $1");
        old.Parameters.Add(new NpgsqlParameter { Value = RetentionCutoff.ToUnixTimeMilliseconds() / 86_400_000 });
        Assert.True((long)(await old.ExecuteScalarAsync())! > 0, "rollups of the old days were kept");
    }

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        if (_db is not null) await _db.DisposeAsync();
        foreach (var db in _otherDatabases) await db.DisposeAsync();
    }
}
