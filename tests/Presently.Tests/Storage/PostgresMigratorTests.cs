using Npgsql;
using Presently.Storage.Postgres;
using Presently.Tests.Fixtures;

namespace Presently.Tests.Storage;

/// <summary>The PostgreSQL schema is applied once, in order, however many servers start at once.</summary>
public sealed class PostgresMigratorTests : IAsyncLifetime
{
    private PostgresDatabase? _db;

    private PostgresDatabase Db => _db!;

    public async ValueTask InitializeAsync() => _db = await (await PostgresServer.Shared()).CreateDatabaseAsync();

    public async ValueTask DisposeAsync()
    {
        if (_db is not null) await _db.DisposeAsync();
    }

    private static async Task<long> ScalarAsync(NpgsqlDataSource source, string sql)
    {
        await using var cmd = source.CreateCommand(sql);
        return Convert.ToInt64(await cmd.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture);
    }

    [Fact]
    public async Task Migrating_applies_every_migration_and_a_second_run_changes_nothing()
    {
        var source = Db.CreateDataSource();
        Assert.Equal(0, await PostgresMigrator.VersionAsync(source));

        await PostgresMigrator.MigrateAsync(source);
        Assert.Equal(PostgresSchema.Migrations.Length, await PostgresMigrator.VersionAsync(source));
        await ScalarAsync(source, "INSERT INTO persons(name) VALUES ('ann')");

        await PostgresMigrator.MigrateAsync(source);
        Assert.Equal(PostgresSchema.Migrations.Length, await PostgresMigrator.VersionAsync(source));
        Assert.Equal(PostgresSchema.Migrations.Length, await ScalarAsync(source, "SELECT count(*) FROM schema_version"));
        Assert.Equal(1, await ScalarAsync(source, "SELECT count(*) FROM persons"));
    }

    [Fact]
    public async Task Servers_starting_at_once_all_succeed_and_the_schema_is_applied_once()
    {
        // Each its own data source, as separate server processes would have.
        var sources = Enumerable.Range(0, 4).Select(_ => Db.CreateDataSource()).ToList();
        await Task.WhenAll(sources.Select(s => Task.Run(() => PostgresMigrator.MigrateAsync(s))));

        Assert.Equal(PostgresSchema.Migrations.Length, await PostgresMigrator.VersionAsync(sources[0]));
        Assert.Equal(PostgresSchema.Migrations.Length, await ScalarAsync(sources[0], "SELECT count(*) FROM schema_version"));
    }

    [Fact]
    public async Task Every_table_of_agent_data_exists_and_is_keyed_by_agent()
    {
        var source = Db.CreateDataSource();
        await PostgresMigrator.MigrateAsync(source);
        foreach (var table in PostgresSchema.AgentDataTables)
            Assert.Equal(0, await ScalarAsync(source, $"SELECT count(*) FROM {table} WHERE agent_key = 1"));
    }
}
