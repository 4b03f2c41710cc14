using Npgsql;
using Presently.Protocol;
using Presently.Storage.Categories;
using Presently.Storage.Rollups;
using Presently.Storage.Sqlite;

namespace Presently.Storage.Postgres;

/// <summary>The category rows of the context rollups on PostgreSQL: as <see cref="SqliteCategoryRollups"/>.</summary>
internal static class PostgresCategoryRollups
{
    public static async Task<CategoryRules> LoadRulesAsync(NpgsqlConnection db, NpgsqlTransaction? tx, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand("SELECT id, path, pattern, field, colour, score FROM categories ORDER BY position, id", db, tx);
        var categories = new List<Category>();
        await using var r = await cmd.ExecuteReaderAsync(ct);
        while (await r.ReadAsync(ct))
            categories.Add(new Category(r.GetInt64(0), r.GetString(1), r.GetString(2), (CategoryField)r.GetInt32(3), r.IsDBNull(4) ? null : r.GetString(4), r.GetInt32(5)));
        return new CategoryRules(categories);
    }

    /// <summary>
    /// The fingerprint of the rules the category rollups were summed with, its row locked: for update by
    /// a rebuild (before it locks the rollups), for share by ingest — so an ingest on any instance either
    /// commits before a rebuild starts or reads the new fingerprint after it, never writes rows by old rules
    /// into new sums. (The row exists from the migration on.)
    /// </summary>
    public static async Task<string?> FingerprintAsync(NpgsqlConnection db, NpgsqlTransaction tx, bool forUpdate, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand($"SELECT value FROM settings WHERE key = $1 FOR {(forUpdate ? "UPDATE" : "SHARE")}", db, tx)
        {
            Parameters = { new() { Value = SqliteCategoryRollups.FingerprintSetting } },
        };
        return await cmd.ExecuteScalarAsync(ct) as string;
    }

    /// <summary>The rules to put ingested spans in categories by: <paramref name="current"/> while they are the ones the rollups were summed with, else the stored ones.</summary>
    public static async Task<CategoryRules> RulesForIngestAsync(NpgsqlConnection db, NpgsqlTransaction tx, CategoryRules? current, CancellationToken ct)
    {
        var fingerprint = await FingerprintAsync(db, tx, forUpdate: false, ct);
        return current is not null && current.Fingerprint == fingerprint ? current : await LoadRulesAsync(db, tx, ct);
    }

    public static async Task SaveFingerprintAsync(NpgsqlConnection db, NpgsqlTransaction tx, CategoryRules rules, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand("INSERT INTO settings(key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = excluded.value", db, tx)
        {
            Parameters = { new() { Value = SqliteCategoryRollups.FingerprintSetting }, new() { Value = rules.Fingerprint } },
        };
        await cmd.ExecuteNonQueryAsync(ct);
    }

    /// <summary>Sums the category rows again with <paramref name="rules"/>: every active span, less the device overlaps.</summary>
    public static async Task RebuildAsync(NpgsqlConnection db, NpgsqlTransaction tx, CategoryRules rules, CancellationToken ct)
    {
        foreach (var table in RollupTable.All.Where(t => t.Context))
        {
            await using var delete = new NpgsqlCommand($"DELETE FROM {table.Name} WHERE ckey = $1", db, tx) { Parameters = { new() { Value = RollupDelta.CategoryKey } } };
            await delete.ExecuteNonQueryAsync(ct);
        }
        var delta = new RollupDelta(rules, categoriesOnly: true);
        await PostgresRollups.AddRowsAsync(db, tx, $"SELECT agent_key, start_ms, end_ms, app, title, context FROM spans WHERE state = {(int)SpanState.Active} AND end_ms > start_ms", delta, +1, ct);
        await PostgresRollups.AddRowsAsync(db, tx, "SELECT agent_key, start_ms, end_ms, app, title, context FROM device_overlaps", delta, -1, ct);
        await SaveFingerprintAsync(db, tx, rules, ct);
    }
}
