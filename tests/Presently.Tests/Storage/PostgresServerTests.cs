using Npgsql;
using Presently.Tests.Fixtures;

namespace Presently.Tests.Storage;

/// <summary>The PostgreSQL fixture itself: a test can stop the server and start it again, and keeps its data.</summary>
public sealed class PostgresServerTests
{
    [Fact]
    public async Task A_private_server_stops_and_starts_again_with_its_data()
    {
        await using var server = await PostgresServer.StartNewAsync();
        await using var db = await server.CreateDatabaseAsync();
        var source = db.CreateDataSource();
        await using (var create = source.CreateCommand("CREATE TABLE kept (v int); INSERT INTO kept VALUES (42)"))
            await create.ExecuteNonQueryAsync();

        await server.StopAsync();
        await using (var refused = source.CreateCommand("SELECT 1"))
            await Assert.ThrowsAnyAsync<NpgsqlException>(() => refused.ExecuteScalarAsync());

        await server.StartAsync();
        await using var read = source.CreateCommand("SELECT v FROM kept");
        Assert.Equal(42, await read.ExecuteScalarAsync());
    }

    [Fact]
    public async Task Tests_get_databases_of_their_own_on_one_shared_server()
    {
        var server = await PostgresServer.Shared();
        Assert.Same(server, await PostgresServer.Shared());
        await using var a = await server.CreateDatabaseAsync();
        await using var b = await server.CreateDatabaseAsync();
        Assert.NotEqual(a.Name, b.Name);
        await using (var create = a.CreateDataSource().CreateCommand("CREATE TABLE only_in_a (v int)"))
            await create.ExecuteNonQueryAsync();
        await using var probe = b.CreateDataSource().CreateCommand("SELECT to_regclass('only_in_a') IS NULL");
        Assert.Equal(true, await probe.ExecuteScalarAsync());
    }
}
