using Npgsql;

namespace Presently.Storage.Postgres;

/// <summary>
/// Brings a database up to <see cref="PostgresSchema.Migrations"/>: each migration in its own
/// transaction together with its row in <c>schema_version</c>, so a migration is applied whole or not at all.
/// </summary>
public static class PostgresMigrator
{
    // Any fixed number all Presently servers agree on ("Presentl" in ASCII): several instances starting
    // at once queue on it, and each finds the versions the one before it applied.
    private const long LockId = 0x50726573656E746C;

    public static async Task MigrateAsync(NpgsqlDataSource dataSource, CancellationToken ct = default)
    {
        await using var conn = await dataSource.OpenConnectionAsync(ct);
        while (true)
        {
            await using var tx = await conn.BeginTransactionAsync(ct);
            // Held to the end of the transaction; taken before the table exists, because two concurrent
            // CREATE TABLE IF NOT EXISTS can still collide.
            await ExecuteAsync(conn, tx, "SELECT pg_advisory_xact_lock($1)", ct, LockId);
            await ExecuteAsync(conn, tx, "CREATE TABLE IF NOT EXISTS schema_version (version integer PRIMARY KEY, applied_ms bigint NOT NULL)", ct);
            var version = await CurrentVersionAsync(conn, tx, ct);
            // A database newer than this code is left as it is, as the SQLite store does.
            if (version >= PostgresSchema.Migrations.Length)
            {
                await tx.CommitAsync(ct);
                return;
            }
            await ExecuteAsync(conn, tx, PostgresSchema.Migrations[version], ct);
            await ExecuteAsync(conn, tx, "INSERT INTO schema_version(version, applied_ms) VALUES ($1, $2)", ct,
                version + 1, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());
            await tx.CommitAsync(ct);
        }
    }

    /// <summary>How many migrations the database has: 0 for one never migrated.</summary>
    public static async Task<int> VersionAsync(NpgsqlDataSource dataSource, CancellationToken ct = default)
    {
        await using var conn = await dataSource.OpenConnectionAsync(ct);
        await using var exists = new NpgsqlCommand("SELECT to_regclass('schema_version') IS NOT NULL", conn);
        return (bool)(await exists.ExecuteScalarAsync(ct))! ? await CurrentVersionAsync(conn, null, ct) : 0;
    }

    private static async Task<int> CurrentVersionAsync(NpgsqlConnection conn, NpgsqlTransaction? tx, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand("SELECT coalesce(max(version), 0) FROM schema_version", conn, tx);
        return (int)(await cmd.ExecuteScalarAsync(ct))!;
    }

    private static async Task ExecuteAsync(NpgsqlConnection conn, NpgsqlTransaction tx, string sql, CancellationToken ct, params object[] args)
    {
        await using var cmd = new NpgsqlCommand(sql, conn, tx);
        foreach (var a in args) cmd.Parameters.Add(new NpgsqlParameter { Value = a });
        await cmd.ExecuteNonQueryAsync(ct);
    }
}
