using Presently.Storage.Ingest;
using Npgsql;
using Presently.Protocol;
using Presently.Storage.Categories;
using Presently.Storage.Reports;
using Presently.Storage.Rollups;

namespace Presently.Storage.Postgres;

/// <summary>Writes rollup changes (one multi-row upsert per table), and rebuilds the rollups from the spans.</summary>
internal static class PostgresRollups
{
    public static async Task ApplyAsync(NpgsqlConnection db, NpgsqlTransaction tx, RollupDelta delta, CancellationToken ct)
    {
        if (delta.IsEmpty) return;
        var hours = delta.Hours.ToList();
        var days = delta.Days.ToList();
        foreach (var table in RollupTable.All)
            await UpsertAsync(db, tx, table, (table.Grain == RollupGrain.Day ? days : hours).Where(e => e.Key.ContextKey is not null == table.Context).ToList(), ct);
        delta.Clear();
    }

    /// <summary>Empties the rollups and sums them again from every stored span, less the overlaps worked out again, with the rules ingest uses.</summary>
    /// <returns>The category rules the rollups were summed with.</returns>
    public static async Task<CategoryRules> RebuildAsync(NpgsqlConnection db, NpgsqlTransaction tx, PostgresPartitions partitions, CancellationToken ct)
    {
        await using (var truncate = new NpgsqlCommand($"TRUNCATE {string.Join(", ", RollupTable.Names)}", db, tx)) await truncate.ExecuteNonQueryAsync(ct);
        var rules = await PostgresCategoryRollups.LoadRulesAsync(db, tx, ct);
        var delta = new RollupDelta(rules);
        await AddRowsAsync(db, tx, $"SELECT agent_key, start_ms, end_ms, app, title, context FROM spans WHERE state = {(int)SpanState.Active} AND end_ms > start_ms", delta, +1, ct);
        await using (var truncate = new NpgsqlCommand("TRUNCATE device_overlaps", db, tx)) await truncate.ExecuteNonQueryAsync(ct);
        await DeviceOverlaps.RecountPeopleAsync(new PostgresIngest(db, tx, partitions), null, delta, ct);
        await ApplyAsync(db, tx, delta, ct);
        await PostgresCategoryRollups.SaveFingerprintAsync(db, tx, rules, ct);
        return rules;
    }

    /// <summary>
    /// Adds (or with sign −1 takes away) the time of every row <paramref name="select"/> returns (agent_key,
    /// start_ms, end_ms, app, title, context), applying the changes as they grow so memory stays bounded.
    /// A second connection would not see this transaction; a cursor streams within it instead.
    /// </summary>
    public static async Task AddRowsAsync(NpgsqlConnection db, NpgsqlTransaction tx, string select, RollupDelta delta, int sign, CancellationToken ct)
    {
        await using (var declare = new NpgsqlCommand($"DECLARE rollup_rows NO SCROLL CURSOR FOR {select}", db, tx)) await declare.ExecuteNonQueryAsync(ct);
        while (true)
        {
            var read = 0;
            await using (var fetch = new NpgsqlCommand("FETCH 50000 FROM rollup_rows", db, tx))
            await using (var r = await fetch.ExecuteReaderAsync(ct))
            {
                while (await r.ReadAsync(ct))
                {
                    read++;
                    delta.Add(r.GetInt64(0), r.GetInt64(1), r.GetInt64(2), r.IsDBNull(3) ? null : r.GetString(3), r.IsDBNull(4) ? null : r.GetString(4),
                        r.IsDBNull(5) ? null : SpanContext.FromJson(r.GetString(5)), sign);
                }
            }
            // Changes add up, so they can be written in any order.
            if (delta.Count >= 200_000 || read == 0) await ApplyAsync(db, tx, delta, ct);
            if (read == 0) break;
        }
        await using var close = new NpgsqlCommand("CLOSE rollup_rows", db, tx);
        await close.ExecuteNonQueryAsync(ct);
    }

    private static async Task UpsertAsync(NpgsqlConnection db, NpgsqlTransaction tx, RollupTable rollup, List<KeyValuePair<RollupKey, long>> rows, CancellationToken ct)
    {
        if (rows.Count == 0) return;
        var (table, bucket, context) = (rollup.Name, rollup.Bucket, rollup.Context);
        await using var cmd = new NpgsqlCommand(context
            ? $"""
              INSERT INTO {table}(ckey, {bucket}, agent_key, app, value, ms)
              SELECT * FROM unnest($1::text[], $2::bigint[], $3::bigint[], $4::text[], $5::text[], $6::bigint[])
              ON CONFLICT (ckey, {bucket}, agent_key, app, value) DO UPDATE SET ms = {table}.ms + excluded.ms
              """
            : $"""
              INSERT INTO {table}({bucket}, agent_key, app, ms)
              SELECT * FROM unnest($1::bigint[], $2::bigint[], $3::text[], $4::bigint[])
              ON CONFLICT ({bucket}, agent_key, app) DO UPDATE SET ms = {table}.ms + excluded.ms
              """, db, tx);
        if (context) cmd.Parameters.Add(new NpgsqlParameter { Value = rows.Select(e => e.Key.ContextKey!).ToArray() });
        cmd.Parameters.Add(new NpgsqlParameter { Value = rows.Select(e => e.Key.Hour).ToArray() });
        cmd.Parameters.Add(new NpgsqlParameter { Value = rows.Select(e => e.Key.AgentKey).ToArray() });
        cmd.Parameters.Add(new NpgsqlParameter { Value = rows.Select(e => PostgresAccounts.Storable(e.Key.App)).ToArray() });
        if (context) cmd.Parameters.Add(new NpgsqlParameter { Value = rows.Select(e => PostgresAccounts.Storable(e.Key.Value!)).ToArray() });
        cmd.Parameters.Add(new NpgsqlParameter { Value = rows.Select(e => e.Value).ToArray() });
        await cmd.ExecuteNonQueryAsync(ct);
    }
}
