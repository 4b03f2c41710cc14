using Npgsql;
using Presently.Storage;
using Presently.Storage.Postgres;
using Presently.Tests.Fixtures;

namespace Presently.Tests.Storage.Contract;

/// <summary>The account store contract on a fresh database of the test process's PostgreSQL.</summary>
public sealed class PostgresAccountStoreTests : AccountStoreContract
{
    private PostgresDatabase? _db;
    private NpgsqlDataSource _source = null!;

    protected override async Task<(IAccountStore Accounts, IAgentRegistry Agents, IAuditLog Audit)> CreateStoreAsync(TimeProvider time)
    {
        _db = await (await PostgresServer.Shared()).CreateDatabaseAsync();
        _source = _db.CreateDataSource();
        await PostgresMigrator.MigrateAsync(_source);
        var accounts = new PostgresAccounts(_source, time);
        return (accounts, accounts, accounts);
    }

    protected override async Task<long> AddAgentDataAsync(string agentId)
    {
        // No span store on PostgreSQL yet: two days of quota use, as ingest would write them.
        var key = await ScalarAsync("SELECT key FROM agents WHERE id = $1", agentId);
        await ScalarAsync("INSERT INTO agent_usage(agent_key, day, bytes, spans) VALUES ($1, 20000, 640, 10), ($1, 20001, 64, 1)", key);
        return key;
    }

    protected override async Task<long> CountAgentDataAsync(long agentKey)
    {
        long rows = 0;
        foreach (var table in PostgresSchema.AgentDataTables)
            rows += await ScalarAsync($"SELECT count(*) FROM {table} WHERE agent_key = $1", agentKey);
        return rows;
    }

    protected override async Task ExecuteSqlAsync(string sql) => await ScalarAsync(sql, null);

    protected override async ValueTask DisposeStoreAsync()
    {
        if (_db is not null) await _db.DisposeAsync();
    }

    private async Task<long> ScalarAsync(string sql, object? p)
    {
        await using var cmd = _source.CreateCommand(sql);
        if (p is not null) cmd.Parameters.Add(new NpgsqlParameter { Value = p });
        return Convert.ToInt64(await cmd.ExecuteScalarAsync() ?? 0L, System.Globalization.CultureInfo.InvariantCulture);
    }

    [Fact]
    public async Task A_NUL_character_is_stored_as_a_replacement_character()
    {
        // PostgreSQL text cannot hold NUL, which SQLite keeps: the nearest is to store it replaced, not to fail.
        await AuditLog.WriteAsync(T0, "a\0b", "signed in", "t", "\0");
        var entry = Assert.Single(await AuditLog.ListAsync(1));
        Assert.Equal(("a\uFFFDb", "\uFFFD"), (entry.Actor, entry.Detail));
    }
}
