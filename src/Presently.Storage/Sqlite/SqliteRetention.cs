using Microsoft.Data.Sqlite;
using Presently.Storage.Rollups;

namespace Presently.Storage.Sqlite;

/// <summary>Retention on SQLite, in the caller's transaction on the writer (see <see cref="ISpanStore.DeleteSpansBeforeAsync"/>).</summary>
internal static class SqliteRetention
{
    private sealed record Crossing(long AgentKey, long SpanId, long Seq, long EndMs, int State, object App, object Title, object Context, long Bytes, long RowsBefore);

    /// <summary>Deletes the rows; returns (span rows, rollup rows) deleted.</summary>
    public static async Task<(long Spans, long Rollups)> DeleteAsync(SqliteConnection db, SqliteTransaction tx, long cutoffMs, bool includingRollups, CancellationToken ct)
    {
        var spans = 0L;
        // Spans crossing the cutoff: a row starting before it and ending after it (rows are at most
        // MaxRowMs long, so it starts less than that before), or ending at it with a next part.
        var crossing = new List<Crossing>();
        await using (var find = Command(db, tx, $"""
            WITH cut(agent_key, span_id) AS (
                SELECT DISTINCT b.agent_key, b.span_id FROM agents a JOIN spans b ON b.agent_key = a.key
                WHERE b.start_ms >= $cutoff - {StoredSpans.MaxRowMs} AND b.start_ms < $cutoff
                  AND (b.end_ms > $cutoff OR (b.end_ms = $cutoff AND EXISTS (
                      SELECT 1 FROM spans n WHERE n.agent_key = b.agent_key AND n.span_id = b.span_id AND n.part = b.part + 1))))
            SELECT s.agent_key, s.span_id, s.seq,
                   (SELECT max(e.end_ms) FROM spans e WHERE e.agent_key = s.agent_key AND e.span_id = s.span_id),
                   s.state, s.app, s.title, s.context, s.bytes,
                   (SELECT count(*) FROM spans e WHERE e.agent_key = s.agent_key AND e.span_id = s.span_id AND e.start_ms < $cutoff)
            FROM cut JOIN spans s ON s.agent_key = cut.agent_key AND s.span_id = cut.span_id AND s.part = 0;
            """, ("$cutoff", cutoffMs)))
        await using (var r = await find.ExecuteReaderAsync(ct))
        {
            while (await r.ReadAsync(ct))
                crossing.Add(new Crossing(r.GetInt64(0), r.GetInt64(1), r.GetInt64(2), r.GetInt64(3), r.GetInt32(4),
                    r.GetValue(5), r.GetValue(6), r.GetValue(7), r.GetInt64(8), r.GetInt64(9)));
        }

        // Each is cut at the cutoff: its rows are laid out again from there, with its size against the quota.
        foreach (var c in crossing)
        {
            await ExecuteAsync(db, tx, "DELETE FROM spans WHERE agent_key = $a AND span_id = $s;", ct, ("$a", c.AgentKey), ("$s", c.SpanId));
            var parts = StoredSpans.PartCount(cutoffMs, c.EndMs);
            for (var part = 0; part < parts; part++)
            {
                var (start, end) = StoredSpans.Part(cutoffMs, c.EndMs, part);
                await ExecuteAsync(db, tx, """
                    INSERT INTO spans(agent_key, span_id, part, seq, start_ms, end_ms, state, app, title, context, bytes)
                    VALUES ($a, $s, $part, $seq, $start, $end, $state, $app, $title, $context, $bytes);
                    """, ct, ("$a", c.AgentKey), ("$s", c.SpanId), ("$part", part), ("$seq", c.Seq), ("$start", start), ("$end", end),
                    ("$state", c.State), ("$app", c.App), ("$title", c.Title), ("$context", c.Context), ("$bytes", part == 0 ? c.Bytes : 0L));
            }
            await ExecuteAsync(db, tx, """
                INSERT INTO agent_usage(agent_key, day, bytes, spans) VALUES ($a, $day, $bytes, 1)
                ON CONFLICT(agent_key, day) DO UPDATE SET bytes = bytes + excluded.bytes, spans = spans + 1;
                """, ct, ("$a", c.AgentKey), ("$day", cutoffMs / Retention.DayMs), ("$bytes", c.Bytes));
            spans += c.RowsBefore;
        }

        spans += await ExecuteAsync(db, tx, "DELETE FROM spans WHERE start_ms < $cutoff;", ct, ("$cutoff", cutoffMs));
        await ExecuteAsync(db, tx, "DELETE FROM agent_usage WHERE day < $day;", ct, ("$day", cutoffMs / Retention.DayMs));
        // The cutoff is a UTC midnight and each overlap lies within one hour: none crosses it.
        await ExecuteAsync(db, tx, "DELETE FROM device_overlaps WHERE start_ms < $cutoff;", ct, ("$cutoff", cutoffMs));

        var rollups = 0L;
        if (includingRollups)
        {
            foreach (var table in RollupTable.All)
                rollups += await ExecuteAsync(db, tx, $"DELETE FROM {table.Name} WHERE {table.Bucket} < $before;", ct, ("$before", table.BucketOf(cutoffMs)));
        }
        return (spans, rollups);
    }

    private static SqliteCommand Command(SqliteConnection db, SqliteTransaction tx, string sql, params (string Name, object Value)[] args)
    {
        var cmd = db.CreateCommand();
        cmd.Transaction = tx;
        cmd.CommandText = sql;
        foreach (var (name, value) in args) cmd.Parameters.AddWithValue(name, value);
        return cmd;
    }

    private static async Task<int> ExecuteAsync(SqliteConnection db, SqliteTransaction tx, string sql, CancellationToken ct, params (string Name, object Value)[] args)
    {
        await using var cmd = Command(db, tx, sql, args);
        return await cmd.ExecuteNonQueryAsync(ct);
    }
}
