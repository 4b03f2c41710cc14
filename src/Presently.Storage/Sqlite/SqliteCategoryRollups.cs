using Microsoft.Data.Sqlite;
using Presently.Protocol;
using Presently.Storage.Categories;
using Presently.Storage.Rollups;

namespace Presently.Storage.Sqlite;

/// <summary>
/// The category rows of the context rollups (<see cref="RollupDelta.CategoryKey"/>): which rules they were
/// summed with, and summing them again when the rules change (without touching the other rollups).
/// </summary>
internal static class SqliteCategoryRollups
{
    /// <summary>The setting holding the fingerprint of the rules the category rollups were summed with.</summary>
    public const string FingerprintSetting = "rollups.categories";

    public static async Task<CategoryRules> LoadRulesAsync(SqliteConnection db, SqliteTransaction? tx, CancellationToken ct)
    {
        await using var cmd = Command(db, tx, "SELECT id, path, pattern, field, colour, score FROM categories ORDER BY position, id;");
        var categories = new List<Category>();
        await using var r = await cmd.ExecuteReaderAsync(ct);
        while (await r.ReadAsync(ct))
            categories.Add(new Category(r.GetInt64(0), r.GetString(1), r.GetString(2), (CategoryField)r.GetInt32(3), r.IsDBNull(4) ? null : r.GetString(4), r.GetInt32(5)));
        return new CategoryRules(categories);
    }

    public static async Task<string?> FingerprintAsync(SqliteConnection db, SqliteTransaction tx, CancellationToken ct)
    {
        await using var cmd = Command(db, tx, "SELECT value FROM settings WHERE key = $key;");
        cmd.Parameters.AddWithValue("$key", FingerprintSetting);
        return await cmd.ExecuteScalarAsync(ct) as string;
    }

    public static async Task SaveFingerprintAsync(SqliteConnection db, SqliteTransaction tx, CategoryRules rules, CancellationToken ct)
    {
        await using var cmd = Command(db, tx, "INSERT INTO settings(key, value) VALUES ($key, $value) ON CONFLICT(key) DO UPDATE SET value = excluded.value;");
        cmd.Parameters.AddWithValue("$key", FingerprintSetting);
        cmd.Parameters.AddWithValue("$value", rules.Fingerprint);
        await cmd.ExecuteNonQueryAsync(ct);
    }

    /// <summary>Sums the category rows again with <paramref name="rules"/>: every active span, less the device overlaps.</summary>
    public static async Task RebuildAsync(SqliteConnection db, SqliteTransaction tx, CategoryRules rules, CancellationToken ct)
    {
        foreach (var table in RollupTable.All.Where(t => t.Context))
        {
            await using var delete = Command(db, tx, $"DELETE FROM {table.Name} WHERE ckey = $ckey;");
            delete.Parameters.AddWithValue("$ckey", RollupDelta.CategoryKey);
            await delete.ExecuteNonQueryAsync(ct);
        }
        var delta = new RollupDelta(rules, categoriesOnly: true);
        foreach (var (sql, sign) in new[]
        {
            ($"SELECT agent_key, start_ms, end_ms, app, title, context FROM spans WHERE state = {(int)SpanState.Active} AND end_ms > start_ms;", +1),
            ("SELECT agent_key, start_ms, end_ms, app, title, context FROM device_overlaps;", -1),
        })
        {
            await using var read = Command(db, tx, sql);
            await using var r = await read.ExecuteReaderAsync(ct);
            while (await r.ReadAsync(ct))
            {
                delta.Add(r.GetInt64(0), r.GetInt64(1), r.GetInt64(2), r.IsDBNull(3) ? null : r.GetString(3), r.IsDBNull(4) ? null : r.GetString(4),
                    r.IsDBNull(5) ? null : SpanContext.FromJson(r.GetString(5)), sign);
                if (delta.Count >= 200_000) await SqliteRollups.ApplyAsync(db, tx, delta, ct);
            }
        }
        await SqliteRollups.ApplyAsync(db, tx, delta, ct);
        await SaveFingerprintAsync(db, tx, rules, ct);
    }

    private static SqliteCommand Command(SqliteConnection db, SqliteTransaction? tx, string sql)
    {
        var cmd = db.CreateCommand();
        cmd.Transaction = tx;
        cmd.CommandText = sql;
        return cmd;
    }
}
