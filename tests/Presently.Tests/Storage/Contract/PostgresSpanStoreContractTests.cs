using Npgsql;
using Presently.Storage;
using Presently.Storage.Postgres;
using Presently.Tests.Fixtures;

namespace Presently.Tests.Storage.Contract;

public sealed class PostgresSpanStoreContractTests : SpanStoreContract
{
    private PostgresDatabase? _db;
    private NpgsqlDataSource _source = null!;

    protected override async Task<ISpanStore> CreateStoreAsync()
    {
        _db = await (await PostgresServer.Shared()).CreateDatabaseAsync();
        _source = _db.CreateDataSource();
        var store = new PostgresSpanStore(_source);
        await store.InitializeAsync();
        return store;
    }

    protected override async Task<IReadOnlyDictionary<string, long>> RollupSnapshotAsync()
    {
        var rows = new Dictionary<string, long>();
        foreach (var table in PostgresRollups.Tables)
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

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        if (_db is not null) await _db.DisposeAsync();
    }
}
