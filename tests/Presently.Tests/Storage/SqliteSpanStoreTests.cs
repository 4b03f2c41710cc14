using Microsoft.Data.Sqlite;
using Presently.Storage.Sqlite;
using Presently.Tests.Fixtures;

namespace Presently.Tests.Storage;

/// <summary>What only the SQLite store does; the ingest rules every store keeps are in <see cref="Contract.SpanStoreContract"/>.</summary>
public sealed class SqliteSpanStoreTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        _dir.Dispose();
    }

    [Fact]
    public async Task Initializing_creates_the_database_file_and_its_folder_in_write_ahead_log_mode()
    {
        var path = _dir.File("data/presently.db");
        Assert.False(Directory.Exists(Path.GetDirectoryName(path)));
        await using (var store = new SqliteSpanStore(path))
        {
            await store.InitializeAsync();
            Assert.True(File.Exists(path));
        }

        // The journal mode is kept in the file: every later connection writes through the log.
        await using var db = new SqliteConnection($"Data Source={path};Pooling=False");
        await db.OpenAsync();
        await using var cmd = db.CreateCommand();
        cmd.CommandText = "PRAGMA journal_mode;";
        Assert.Equal("wal", await cmd.ExecuteScalarAsync());
    }
}
