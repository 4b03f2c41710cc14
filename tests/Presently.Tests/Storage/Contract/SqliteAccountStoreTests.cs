using Microsoft.Data.Sqlite;
using Presently.Protocol;
using Presently.Storage;
using Presently.Storage.Sqlite;
using Presently.Tests.Fixtures;

namespace Presently.Tests.Storage.Contract;

/// <summary>The account store contract on a SQLite file.</summary>
public sealed class SqliteAccountStoreTests : AccountStoreContract
{
    private readonly TempDirectory _dir = new();
    private SqliteSpanStore _spans = null!;

    private string DbPath => _dir.File("presently.db");

    protected override async Task<(IAccountStore Accounts, IAgentRegistry Agents, IAuditLog Audit)> CreateStoreAsync(TimeProvider time)
    {
        // The span store owns the file's schema; the accounts live in the same file.
        _spans = new SqliteSpanStore(DbPath);
        await _spans.InitializeAsync();
        var accounts = new SqliteAccounts(DbPath, time);
        return (accounts, accounts, accounts);
    }

    protected override async Task<long> AddAgentDataAsync(string agentId)
    {
        // Through ingest, as in production: a span and its day's quota use.
        var start = T0.ToUnixTimeMilliseconds();
        Assert.Equal([CommitOutcome.Stored], await _spans.CommitAsync([new IngestBatch(agentId, [
            new SpanRecord(1, 1, start, start + 60_000, SpanState.Active, "vim", "notes", null)])]));
        return await ScalarAsync("SELECT key FROM agents WHERE id = $p", agentId);
    }

    protected override Task<long> CountAgentDataAsync(long agentKey) =>
        ScalarAsync("SELECT (SELECT count(*) FROM spans WHERE agent_key = $p) + (SELECT count(*) FROM agent_usage WHERE agent_key = $p)", agentKey);

    protected override async Task ExecuteSqlAsync(string sql) => await ScalarAsync(sql, null);

    protected override async ValueTask DisposeStoreAsync()
    {
        await _spans.DisposeAsync();
        SqliteConnection.ClearAllPools();
        _dir.Dispose();
    }

    private async Task<long> ScalarAsync(string sql, object? p)
    {
        await using var conn = new SqliteConnection($"Data Source={DbPath};Pooling=False");
        await conn.OpenAsync();
        await using var cmd = conn.CreateCommand();
        cmd.CommandText = sql;
        if (p is not null) cmd.Parameters.AddWithValue("$p", p);
        return Convert.ToInt64(await cmd.ExecuteScalarAsync() ?? 0L, System.Globalization.CultureInfo.InvariantCulture);
    }
}
