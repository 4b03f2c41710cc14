using Microsoft.Data.Sqlite;
using Presently.Storage.Rollups;

namespace Presently.Storage.Sqlite;

/// <summary>The spans table with parts (<see cref="StoredSpans"/>), and the migration to it.</summary>
internal static class SqliteSpanParts
{
    public const string Table = """
        CREATE TABLE spans_parts (
            agent_key INTEGER NOT NULL REFERENCES agents(key),
            span_id   INTEGER NOT NULL,
            -- A span longer than StoredSpans.MaxRowMs is stored as parts 0, 1, …, each starting where the last ended.
            part      INTEGER NOT NULL,
            seq       INTEGER NOT NULL,
            start_ms  INTEGER NOT NULL,
            end_ms    INTEGER NOT NULL,
            state     INTEGER NOT NULL,
            app       TEXT,
            title     TEXT,
            context   TEXT,
            -- The span's size against the daily quota, on part 0 only.
            bytes     INTEGER NOT NULL DEFAULT 0,
            PRIMARY KEY (agent_key, span_id, part)
        ) WITHOUT ROWID;
        """;

    public const string Indexes = """
        -- Ingest: the neighbours of a new span of an agent. Reports: an agent's rows overlapping
        -- [from, to) start in [from - MaxRowMs, to); with end_ms in the index, the rows of that hour
        -- before the period that end before it are passed over without reading the table. (One index
        -- for both: a second one on start_ms halved ingest speed, and reports read spans only at the
        -- edges of a period.)
        CREATE INDEX spans_by_agent_start ON spans(agent_key, start_ms, end_ms);
        """;

    /// <summary>
    /// Copies the old spans into parts. Rows written before ingest kept an agent's spans apart may
    /// overlap: the earlier-starting span keeps the shared time (as reports always counted it), so
    /// afterwards no two spans of an agent overlap and the rollups are plain sums.
    /// </summary>
    public static async Task MigrateAsync(SqliteConnection db, SqliteTransaction tx, CancellationToken ct)
    {
        await using (var insert = db.CreateCommand())
        {
            insert.Transaction = tx;
            insert.CommandText = """
                INSERT INTO spans_parts(agent_key, span_id, part, seq, start_ms, end_ms, state, app, title, context, bytes)
                VALUES ($agent, $span, $part, $seq, $start, $end, $state, $app, $title, $context, $bytes);
                """;
            foreach (var name in new[] { "$agent", "$span", "$part", "$seq", "$start", "$end", "$state", "$app", "$title", "$context", "$bytes" })
                insert.Parameters.Add(new SqliteParameter { ParameterName = name });

            await using var read = db.CreateCommand();
            read.Transaction = tx;
            read.CommandText = "SELECT agent_key, span_id, seq, start_ms, end_ms, state, app, title, context, bytes FROM spans ORDER BY agent_key, start_ms, span_id;";
            await using var r = await read.ExecuteReaderAsync(ct);
            long agent = long.MinValue, coveredUntil = long.MinValue;
            while (await r.ReadAsync(ct))
            {
                if (r.GetInt64(0) != agent) (agent, coveredUntil) = (r.GetInt64(0), long.MinValue);
                var (start, end) = (r.GetInt64(3), r.GetInt64(4));
                // A span wholly inside an earlier one keeps no time (zero length, as announcements are).
                if (end > start) start = Math.Max(start, Math.Min(coveredUntil, end));
                coveredUntil = Math.Max(coveredUntil, end);
                var parts = StoredSpans.PartCount(start, end);
                for (var part = 0; part < parts; part++)
                {
                    var (partStart, partEnd) = end > start ? StoredSpans.Part(start, end, part) : (start, end);
                    var p = insert.Parameters;
                    p[0].Value = agent; p[1].Value = r.GetInt64(1); p[2].Value = part; p[3].Value = r.GetInt64(2);
                    p[4].Value = partStart; p[5].Value = partEnd; p[6].Value = r.GetInt32(5);
                    p[7].Value = r.GetValue(6); p[8].Value = r.GetValue(7); p[9].Value = r.GetValue(8);
                    p[10].Value = part == 0 ? r.GetInt64(9) : 0L;
                    await insert.ExecuteNonQueryAsync(ct);
                }
            }
        }
        await using (var swap = db.CreateCommand())
        {
            swap.Transaction = tx;
            swap.CommandText = "DROP TABLE spans; ALTER TABLE spans_parts RENAME TO spans;" + Indexes + """
                -- Where each agent got to, so a batch starts without scanning its spans.
                ALTER TABLE agents ADD COLUMN max_span_id INTEGER NOT NULL DEFAULT 0;
                ALTER TABLE agents ADD COLUMN latest_span_id INTEGER;
                ALTER TABLE agents ADD COLUMN latest_start_ms INTEGER;
                UPDATE agents SET max_span_id = coalesce((SELECT max(span_id) FROM spans WHERE agent_key = agents.key), 0);
                """;
            await swap.ExecuteNonQueryAsync(ct);
        }
        await SqliteRollups.RebuildAsync(db, tx, ct, withOverlaps: false);
    }
}
