using Microsoft.Data.Sqlite;
using Presently.Protocol;
using Presently.Storage.Categories;
using Presently.Storage.Ingest;
using Presently.Storage.Rollups;

namespace Presently.Storage.Sqlite;

/// <summary>Writes rollup changes, and rebuilds the rollups from the spans.</summary>
internal static class SqliteRollups
{
    public const string Tables = """
        -- Active time per agent, app and UTC hour (hours since 1970) or day, kept in step with spans in
        -- the ingest transaction. An unknown app is ''.
        CREATE TABLE rollup_hours (
            hour INTEGER NOT NULL, agent_key INTEGER NOT NULL, app TEXT NOT NULL, ms INTEGER NOT NULL,
            PRIMARY KEY (hour, agent_key, app)
        ) WITHOUT ROWID;
        CREATE TABLE rollup_days (
            day INTEGER NOT NULL, agent_key INTEGER NOT NULL, app TEXT NOT NULL, ms INTEGER NOT NULL,
            PRIMARY KEY (day, agent_key, app)
        ) WITHOUT ROWID;
        -- The same per value of a rolled-up context key (RollupDelta.RolledUpContextKeys).
        CREATE TABLE context_hours (
            ckey TEXT NOT NULL, hour INTEGER NOT NULL, agent_key INTEGER NOT NULL, app TEXT NOT NULL, value TEXT NOT NULL, ms INTEGER NOT NULL,
            PRIMARY KEY (ckey, hour, agent_key, app, value)
        ) WITHOUT ROWID;
        CREATE TABLE context_days (
            ckey TEXT NOT NULL, day INTEGER NOT NULL, agent_key INTEGER NOT NULL, app TEXT NOT NULL, value TEXT NOT NULL, ms INTEGER NOT NULL,
            PRIMARY KEY (ckey, day, agent_key, app, value)
        ) WITHOUT ROWID;
        """;

    /// <summary>Adds the collected changes to the rollups and clears them.</summary>
    public static async Task ApplyAsync(SqliteConnection db, SqliteTransaction tx, RollupDelta delta, CancellationToken ct)
    {
        if (delta.IsEmpty) return;
        await using var hours = Upsert(db, tx, RollupTable.Hours);
        await using var days = Upsert(db, tx, RollupTable.Days);
        await using var contextHours = Upsert(db, tx, RollupTable.ContextHours);
        await using var contextDays = Upsert(db, tx, RollupTable.ContextDays);
        foreach (var (k, ms) in delta.Hours) await RunAsync(k.ContextKey is null ? hours : contextHours, k, ms, ct);
        foreach (var (k, ms) in delta.Days) await RunAsync(k.ContextKey is null ? days : contextDays, k, ms, ct);
        delta.Clear();
    }

    public const string OverlapsTable = """
        -- Pieces of a person's active spans that another of their devices held (ForegroundDevice): taken
        -- out of the rollups and of the spans reports read. Each lies within one UTC hour.
        CREATE TABLE device_overlaps (
            agent_key INTEGER NOT NULL,
            start_ms  INTEGER NOT NULL,
            end_ms    INTEGER NOT NULL,
            person_id INTEGER NOT NULL,
            app       TEXT,
            title     TEXT,
            context   TEXT,
            PRIMARY KEY (agent_key, start_ms)
        ) WITHOUT ROWID;
        CREATE INDEX device_overlaps_by_person ON device_overlaps(person_id, start_ms);
        -- Ingest asks, per batch, whether the agent's person has other agents.
        CREATE INDEX agents_by_person ON agents(person_id);
        """;

    /// <summary>Empties the rollups and sums them again from every stored span, less the overlaps worked out again (the rebuild verb; migrations).</summary>
    public static Task RebuildAsync(SqliteConnection db, SqliteTransaction tx, CancellationToken ct) => RebuildAsync(db, tx, ct, withOverlaps: true);

    /// <param name="withOverlaps">False in migrations from before the overlaps and categories tables.</param>
    /// <returns>The category rules the rollups were summed with (null without overlaps).</returns>
    public static async Task<CategoryRules?> RebuildAsync(SqliteConnection db, SqliteTransaction tx, CancellationToken ct, bool withOverlaps)
    {
        foreach (var table in RollupTable.Names) await ExecuteAsync(db, tx, $"DELETE FROM {table};", ct);
        var rules = withOverlaps ? await SqliteCategoryRollups.LoadRulesAsync(db, tx, ct) : null;
        var delta = new RollupDelta(rules);
        await using (var read = db.CreateCommand())
        {
            read.Transaction = tx;
            read.CommandText = "SELECT agent_key, start_ms, end_ms, app, title, context FROM spans WHERE state = $active AND end_ms > start_ms;";
            read.Parameters.AddWithValue("$active", (int)SpanState.Active);
            await using var r = await read.ExecuteReaderAsync(ct);
            while (await r.ReadAsync(ct))
            {
                delta.Add(r.GetInt64(0), r.GetInt64(1), r.GetInt64(2), r.IsDBNull(3) ? null : r.GetString(3), r.IsDBNull(4) ? null : r.GetString(4),
                    r.IsDBNull(5) ? null : SpanContext.FromJson(r.GetString(5)), +1);
                // Changes add up, so they can be written in any order: memory stays bounded.
                if (delta.Count >= 200_000) await ApplyAsync(db, tx, delta, ct);
            }
        }
        await ApplyAsync(db, tx, delta, ct);
        if (rules is null) return null;
        await ExecuteAsync(db, tx, "DELETE FROM device_overlaps;", ct);
        await using (var target = new SqliteIngest(db, tx)) await DeviceOverlaps.RecountPeopleAsync(target, null, delta, ct);
        await ApplyAsync(db, tx, delta, ct);
        await SqliteCategoryRollups.SaveFingerprintAsync(db, tx, rules, ct);
        return rules;
    }

    private static SqliteCommand Upsert(SqliteConnection db, SqliteTransaction tx, RollupTable rollup)
    {
        var (table, bucket, context) = (rollup.Name, rollup.Bucket, rollup.Context);
        var cmd = db.CreateCommand();
        cmd.Transaction = tx;
        cmd.CommandText = context
            ? $"INSERT INTO {table}(ckey, {bucket}, agent_key, app, value, ms) VALUES ($ckey, $bucket, $agent, $app, $value, $ms) ON CONFLICT(ckey, {bucket}, agent_key, app, value) DO UPDATE SET ms = ms + excluded.ms;"
            : $"INSERT INTO {table}({bucket}, agent_key, app, ms) VALUES ($bucket, $agent, $app, $ms) ON CONFLICT({bucket}, agent_key, app) DO UPDATE SET ms = ms + excluded.ms;";
        foreach (var p in context ? new[] { "$ckey", "$bucket", "$agent", "$app", "$value", "$ms" } : ["$bucket", "$agent", "$app", "$ms"])
            cmd.Parameters.Add(new SqliteParameter { ParameterName = p });
        cmd.Prepare();
        return cmd;
    }

    private static Task<int> RunAsync(SqliteCommand cmd, RollupKey k, long ms, CancellationToken ct)
    {
        var p = cmd.Parameters;
        if (k.ContextKey is null)
        {
            (p[0].Value, p[1].Value, p[2].Value, p[3].Value) = (k.Hour, k.AgentKey, k.App, ms);
        }
        else
        {
            (p[0].Value, p[1].Value, p[2].Value, p[3].Value, p[4].Value, p[5].Value) = (k.ContextKey, k.Hour, k.AgentKey, k.App, k.Value!, ms);
        }
        return cmd.ExecuteNonQueryAsync(ct);
    }

    private static async Task ExecuteAsync(SqliteConnection db, SqliteTransaction tx, string sql, CancellationToken ct)
    {
        await using var cmd = db.CreateCommand();
        cmd.Transaction = tx;
        cmd.CommandText = sql;
        await cmd.ExecuteNonQueryAsync(ct);
    }
}
