using Npgsql;
using Presently.Storage.Rollups;

namespace Presently.Storage.Postgres;

/// <summary>Retention on PostgreSQL (see <see cref="ISpanStore.DeleteSpansBeforeAsync"/>): whole months dropped, the rest of the cutoff's month deleted.</summary>
internal static class PostgresRetention
{
    private sealed record Crossing(long AgentKey, long SpanId, long Seq, long EndMs, short State, string? App, string? Title, string? Context, int Bytes, long RowsBefore);

    /// <summary>
    /// Deletes in the caller's transaction; returns the span and rollup rows deleted and the partition
    /// that still holds rows from before the cutoff were deleted from (to be vacuumed after the commit), if any.
    /// </summary>
    public static async Task<(long Spans, long Rollups, string? Vacuum)> DeleteAsync(NpgsqlConnection db, NpgsqlTransaction tx, PostgresPartitions partitions, long cutoffMs, bool includingRollups, CancellationToken ct)
    {
        // Months are created under this lock; none is created while old ones go.
        await ExecuteAsync(db, tx, $"SELECT pg_advisory_xact_lock({PostgresPartitions.LockId})", ct);
        var spans = 0L;

        // Spans crossing the cutoff: a row starting before it and ending after it (rows are at most
        // MaxRowMs long, so it starts less than that before), or ending at it with a next part.
        var crossing = new List<Crossing>();
        await using (var find = Command(db, tx, $"""
            WITH cut AS (
                SELECT DISTINCT b.agent_key, b.span_id FROM agents a JOIN spans b ON b.agent_key = a.key
                WHERE b.start_ms >= $1 - {StoredSpans.MaxRowMs} AND b.start_ms < $1
                  AND (b.end_ms > $1 OR (b.end_ms = $1 AND EXISTS (
                      SELECT 1 FROM spans n WHERE n.agent_key = b.agent_key AND n.span_id = b.span_id AND n.part = b.part + 1))))
            SELECT s.agent_key, s.span_id, s.seq,
                   (SELECT max(e.end_ms) FROM spans e WHERE e.agent_key = s.agent_key AND e.span_id = s.span_id),
                   s.state, s.app, s.title, s.context, s.bytes,
                   (SELECT count(*) FROM spans e WHERE e.agent_key = s.agent_key AND e.span_id = s.span_id AND e.start_ms < $1)
            FROM cut JOIN spans s ON s.agent_key = cut.agent_key AND s.span_id = cut.span_id AND s.part = 0
            """, cutoffMs))
        await using (var r = await find.ExecuteReaderAsync(ct))
        {
            while (await r.ReadAsync(ct))
                crossing.Add(new Crossing(r.GetInt64(0), r.GetInt64(1), r.GetInt64(2), r.GetInt64(3), r.GetInt16(4),
                    r.IsDBNull(5) ? null : r.GetString(5), r.IsDBNull(6) ? null : r.GetString(6), r.IsDBNull(7) ? null : r.GetString(7), r.GetInt32(8), r.GetInt64(9)));
        }

        // Each is cut at the cutoff: its rows are laid out again from there, with its size against the quota.
        if (crossing.Count > 0) await partitions.EnsureAsync(db, tx, [cutoffMs], ct);
        foreach (var c in crossing)
        {
            await ExecuteAsync(db, tx, "DELETE FROM spans WHERE agent_key = $1 AND span_id = $2", ct, c.AgentKey, c.SpanId);
            var parts = StoredSpans.PartCount(cutoffMs, c.EndMs);
            var rows = Enumerable.Range(0, parts).Select(p => StoredSpans.Part(cutoffMs, c.EndMs, p)).ToList();
            await partitions.EnsureAsync(db, tx, rows.Select(p => p.Start), ct);
            await ExecuteAsync(db, tx, """
                INSERT INTO spans(agent_key, span_id, part, seq, start_ms, end_ms, state, app, title, context, bytes)
                SELECT $1, $2, p.part - 1, $3, p.start_ms, p.end_ms, $4::smallint, $5::text, $6::text, $7::text, CASE WHEN p.part = 1 THEN $8::integer ELSE 0 END
                FROM unnest($9::bigint[], $10::bigint[]) WITH ORDINALITY AS p(start_ms, end_ms, part)
                """, ct, c.AgentKey, c.SpanId, c.Seq, c.State, (object?)c.App ?? DBNull.Value, (object?)c.Title ?? DBNull.Value, (object?)c.Context ?? DBNull.Value,
                c.Bytes, rows.Select(p => p.Start).ToArray(), rows.Select(p => p.End).ToArray());
            await ExecuteAsync(db, tx, """
                INSERT INTO agent_usage(agent_key, day, bytes, spans) VALUES ($1, $2, $3, 1)
                ON CONFLICT (agent_key, day) DO UPDATE SET bytes = agent_usage.bytes + excluded.bytes, spans = agent_usage.spans + 1
                """, ct, c.AgentKey, cutoffMs / Retention.DayMs, (long)c.Bytes);
            spans += c.RowsBefore;
        }

        // Months before the cutoff's go whole: no row is read or written, and their files are gone.
        var cutoffMonth = PostgresPartitions.MonthOf(cutoffMs);
        foreach (var month in await PostgresPartitions.ListAsync(db, ct))
        {
            if (month.CompareTo(cutoffMonth) >= 0) continue;
            var name = PostgresPartitions.NameOf(month);
            await using (var count = Command(db, tx, $"SELECT count(*) FROM {name}")) spans += (long)(await count.ExecuteScalarAsync(ct))!;
            await ExecuteAsync(db, tx, $"DROP TABLE {name}", ct);
        }

        // The cutoff's month keeps its rows from the cutoff on.
        var deletedInMonth = await ExecuteAsync(db, tx, "DELETE FROM spans WHERE start_ms < $1", ct, cutoffMs);
        spans += deletedInMonth;
        await ExecuteAsync(db, tx, "DELETE FROM agent_usage WHERE day < $1", ct, cutoffMs / Retention.DayMs);
        // The cutoff is a UTC midnight and each overlap lies within one hour: none crosses it.
        await ExecuteAsync(db, tx, "DELETE FROM device_overlaps WHERE start_ms < $1", ct, cutoffMs);

        var rollups = 0L;
        if (includingRollups)
        {
            foreach (var table in RollupTable.All)
                rollups += await ExecuteAsync(db, tx, $"DELETE FROM {table.Name} WHERE {table.Bucket} < $1", ct, table.BucketOf(cutoffMs));
        }
        return (spans, rollups, deletedInMonth > 0 ? PostgresPartitions.NameOf(cutoffMonth) : null);
    }

    private static NpgsqlCommand Command(NpgsqlConnection db, NpgsqlTransaction? tx, string sql, params object[] args)
    {
        var cmd = new NpgsqlCommand(sql, db, tx);
        foreach (var a in args) cmd.Parameters.Add(new NpgsqlParameter { Value = a });
        return cmd;
    }

    private static async Task<int> ExecuteAsync(NpgsqlConnection db, NpgsqlTransaction? tx, string sql, CancellationToken ct, params object[] args)
    {
        await using var cmd = Command(db, tx, sql, args);
        return await cmd.ExecuteNonQueryAsync(ct);
    }
}
