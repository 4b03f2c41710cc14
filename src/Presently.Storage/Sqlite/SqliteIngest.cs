using Microsoft.Data.Sqlite;
using Presently.Protocol;
using Presently.Storage.Ingest;
using Presently.Storage.Reports;
using Presently.Storage.Rollups;

namespace Presently.Storage.Sqlite;

/// <summary>One group commit's prepared statements: the SQLite side of <see cref="SpanIngest"/>'s rules.</summary>
internal sealed class SqliteIngest : IIngestTarget, IAsyncDisposable
{
    private readonly SqliteConnection _db;
    private readonly SqliteTransaction _tx;
    private readonly SqliteCommand _agent, _latest, _existing, _previous, _next, _upsert, _dropParts, _raise, _dayUse, _saveDay, _personSpans, _overlaps, _dropOverlaps, _addOverlap;

    public SqliteIngest(SqliteConnection db, SqliteTransaction tx)
    {
        _db = db;
        _tx = tx;
        _agent = Prepare("""
            SELECT key, highest_seq, max_end_ms, max_span_id, latest_span_id, latest_start_ms, person_id,
                   EXISTS (SELECT 1 FROM agents o WHERE o.person_id = agents.person_id AND o.key != agents.key)
            FROM agents WHERE id = $agent AND status = 'active';
            """, "$agent");
        _latest = Prepare("SELECT span_id, start_ms FROM spans WHERE agent_key = $key ORDER BY start_ms DESC LIMIT 1;", "$key");
        _existing = Prepare("SELECT seq, start_ms, end_ms, state, app, title, context, bytes FROM spans WHERE agent_key = $key AND span_id = $span ORDER BY part;", "$key", "$span");
        // Rows are at most MaxRowMs long, so only one starting that close before $start can reach into the new span.
        _previous = Prepare($"""
            SELECT max(end_ms) FROM spans WHERE agent_key = $key AND start_ms > $start - {StoredSpans.MaxRowMs} AND start_ms <= $start AND span_id != $span;
            """, "$key", "$start", "$span");
        _next = Prepare("""
            SELECT min(start_ms) FROM spans WHERE agent_key = $key AND start_ms >= $start AND start_ms < $end AND end_ms > start_ms AND span_id != $span;
            """, "$key", "$start", "$end", "$span");
        _upsert = Prepare("""
            INSERT INTO spans(agent_key, span_id, part, seq, start_ms, end_ms, state, app, title, context, bytes)
            VALUES ($key, $span, $part, $seq, $start, $end, $state, $app, $title, $context, $bytes)
            ON CONFLICT(agent_key, span_id, part) DO UPDATE SET
                seq = excluded.seq, start_ms = excluded.start_ms, end_ms = excluded.end_ms, state = excluded.state,
                app = excluded.app, title = excluded.title, context = excluded.context, bytes = excluded.bytes
            WHERE excluded.seq > spans.seq;
            """, "$key", "$span", "$part", "$seq", "$start", "$end", "$state", "$app", "$title", "$context", "$bytes");
        _dropParts = Prepare("DELETE FROM spans WHERE agent_key = $key AND span_id = $span AND part >= $parts;", "$key", "$span", "$parts");
        _raise = Prepare("""
            UPDATE agents SET highest_seq = max(highest_seq, $seq), max_end_ms = max(max_end_ms, $end), max_span_id = max(max_span_id, $span),
                latest_span_id = $latestId, latest_start_ms = $latestStart
            WHERE key = $key;
            """, "$key", "$seq", "$end", "$span", "$latestId", "$latestStart");
        _dayUse = Prepare("SELECT bytes, spans FROM agent_usage WHERE agent_key = $key AND day = $day;", "$key", "$day");
        _saveDay = Prepare("""
            INSERT INTO agent_usage(agent_key, day, bytes, spans) VALUES ($key, $day, $bytes, $spans)
            ON CONFLICT(agent_key, day) DO UPDATE SET bytes = excluded.bytes, spans = excluded.spans;
            """, "$key", "$day", "$bytes", "$spans");
        _personSpans = Prepare($"""
            SELECT a.id, s.agent_key, s.start_ms - s.part * {StoredSpans.MaxRowMs}, max(s.start_ms, $from), min(s.end_ms, $to), s.app, s.title, s.context
            FROM agents a JOIN spans s ON s.agent_key = a.key
            WHERE a.person_id = $person AND s.start_ms >= $from - {StoredSpans.MaxRowMs} AND s.start_ms < $to AND s.end_ms > $from
              AND s.end_ms > s.start_ms AND s.state = {(int)SpanState.Active};
            """, "$person", "$from", "$to");
        _overlaps = Prepare("SELECT agent_key, start_ms, end_ms, app, title, context FROM device_overlaps WHERE person_id = $person AND start_ms >= $from AND start_ms < $to ORDER BY start_ms, agent_key;",
            "$person", "$from", "$to");
        _dropOverlaps = Prepare("DELETE FROM device_overlaps WHERE person_id = $person AND start_ms >= $from AND start_ms < $to;", "$person", "$from", "$to");
        _addOverlap = Prepare("INSERT INTO device_overlaps(agent_key, start_ms, end_ms, person_id, app, title, context) VALUES ($agent, $start, $end, $person, $app, $title, $context);",
            "$agent", "$start", "$end", "$person", "$app", "$title", "$context");
    }

    // Each read is a call into the same process: nothing to gain by reading ahead.
    public Task ReadAheadAsync(IReadOnlyList<IngestBatch> batches, CancellationToken ct) => Task.CompletedTask;

    public async Task<AgentIngestState?> LoadAgentAsync(string agentId, CancellationToken ct)
    {
        Bind(_agent, agentId);
        await using var r = await _agent.ExecuteReaderAsync(ct);
        if (!await r.ReadAsync(ct)) return null;
        return new AgentIngestState(r.GetInt64(0), r.GetInt64(1), r.GetInt64(2), r.GetInt64(3),
            r.IsDBNull(4) ? long.MinValue : r.GetInt64(4), r.IsDBNull(5) ? long.MinValue : r.GetInt64(5), r.GetInt64(6), r.GetBoolean(7));
    }

    public async Task<(long SpanId, long StartMs)?> LatestSpanAsync(long agentKey, CancellationToken ct)
    {
        Bind(_latest, agentKey);
        await using var r = await _latest.ExecuteReaderAsync(ct);
        return await r.ReadAsync(ct) ? (r.GetInt64(0), r.GetInt64(1)) : null;
    }

    public async Task<ExistingSpan?> FindSpanAsync(long agentKey, long spanId, CancellationToken ct)
    {
        Bind(_existing, agentKey, spanId);
        await using var r = await _existing.ExecuteReaderAsync(ct);
        if (!await r.ReadAsync(ct)) return null;
        var span = new ExistingSpan(r.GetInt64(0), r.GetInt64(1), r.GetInt64(2), (SpanState)r.GetInt32(3),
            r.IsDBNull(4) ? null : r.GetString(4), r.IsDBNull(5) ? null : r.GetString(5), r.IsDBNull(6) ? null : r.GetString(6), r.GetInt64(7), 1);
        while (await r.ReadAsync(ct)) span = span with { EndMs = r.GetInt64(2), Parts = span.Parts + 1 };
        return span;
    }

    public async Task<long?> EndReachingAsync(long agentKey, long startMs, long spanId, CancellationToken ct)
    {
        Bind(_previous, agentKey, startMs, spanId);
        return await _previous.ExecuteScalarAsync(ct) as long?;
    }

    public async Task<long?> FirstStartAsync(long agentKey, long startMs, long endMs, long spanId, CancellationToken ct)
    {
        Bind(_next, agentKey, startMs, endMs, spanId);
        return await _next.ExecuteScalarAsync(ct) as long?;
    }

    public async Task<(long Bytes, long Spans)> DayUseAsync(long agentKey, long day, CancellationToken ct)
    {
        Bind(_dayUse, agentKey, day);
        await using var r = await _dayUse.ExecuteReaderAsync(ct);
        return await r.ReadAsync(ct) ? (r.GetInt64(0), r.GetInt64(1)) : (0, 0);
    }

    public async Task WriteSpanAsync(long agentKey, SpanRecord s, long startMs, long endMs, string? app, string? title, string? context, long bytes, ExistingSpan? old, CancellationToken ct)
    {
        var parts = StoredSpans.PartCount(startMs, endMs);
        for (var part = 0; part < parts; part++)
        {
            var (partStart, partEnd) = StoredSpans.Part(startMs, endMs, part);
            Bind(_upsert, agentKey, s.SpanId, part, s.Seq, partStart, partEnd, (int)s.State, app, title, context, part == 0 ? bytes : 0);
            await _upsert.ExecuteNonQueryAsync(ct);
        }
        if (old is { } o && o.Parts > parts)
        {
            Bind(_dropParts, agentKey, s.SpanId, parts);
            await _dropParts.ExecuteNonQueryAsync(ct);
        }
    }

    public async Task SaveDayUseAsync(long agentKey, long day, long bytes, long spans, CancellationToken ct)
    {
        Bind(_saveDay, agentKey, day, bytes, spans);
        await _saveDay.ExecuteNonQueryAsync(ct);
    }

    public async Task RaiseAgentAsync(long agentKey, long highestSeq, long maxEndMs, long maxSpanId, (long SpanId, long StartMs)? latest, CancellationToken ct)
    {
        Bind(_raise, agentKey, highestSeq, maxEndMs, maxSpanId, latest?.SpanId, latest?.StartMs);
        await _raise.ExecuteNonQueryAsync(ct);
    }

    public async Task<IReadOnlyList<DeviceSpan<OverlapRow>>> PersonSpansAsync(long personId, long fromMs, long toMs, CancellationToken ct)
    {
        Bind(_personSpans, personId, fromMs, toMs);
        var spans = new List<DeviceSpan<OverlapRow>>();
        await using var r = await _personSpans.ExecuteReaderAsync(ct);
        while (await r.ReadAsync(ct))
            spans.Add(new DeviceSpan<OverlapRow>(r.GetString(0), r.GetInt64(2), r.GetInt64(3), r.GetInt64(4),
                new OverlapRow(r.GetInt64(1), 0, 0, r.IsDBNull(5) ? null : r.GetString(5), r.IsDBNull(6) ? null : r.GetString(6), r.IsDBNull(7) ? null : r.GetString(7))));
        return spans;
    }

    public async Task<IReadOnlyList<OverlapRow>> OverlapsAsync(long personId, long fromMs, long toMs, CancellationToken ct)
    {
        Bind(_overlaps, personId, fromMs, toMs);
        var rows = new List<OverlapRow>();
        await using var r = await _overlaps.ExecuteReaderAsync(ct);
        while (await r.ReadAsync(ct))
            rows.Add(new OverlapRow(r.GetInt64(0), r.GetInt64(1), r.GetInt64(2), r.IsDBNull(3) ? null : r.GetString(3), r.IsDBNull(4) ? null : r.GetString(4), r.IsDBNull(5) ? null : r.GetString(5)));
        return rows;
    }

    public async Task ReplaceOverlapsAsync(long personId, long fromMs, long toMs, IReadOnlyList<OverlapRow> rows, CancellationToken ct)
    {
        Bind(_dropOverlaps, personId, fromMs, toMs);
        await _dropOverlaps.ExecuteNonQueryAsync(ct);
        foreach (var o in rows)
        {
            Bind(_addOverlap, o.AgentKey, o.StartMs, o.EndMs, personId, o.App, o.Title, o.Context);
            await _addOverlap.ExecuteNonQueryAsync(ct);
        }
    }

    public async Task<IReadOnlyList<(long PersonId, long FromMs, long ToMs)>> PeopleRangesAsync(IReadOnlyList<long>? personIds, CancellationToken ct)
    {
        await using var cmd = _db.CreateCommand();
        cmd.Transaction = _tx;
        var people = personIds is null
            ? "SELECT person_id FROM agents GROUP BY person_id HAVING count(*) > 1"
            : personIds.Count == 0 ? "SELECT NULL WHERE 0" : string.Join(", ", personIds.Select(id => id.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        cmd.CommandText = $"""
            SELECT p, min(lo), max(hi) FROM (
                SELECT a.person_id AS p, min(s.start_ms) AS lo, max(s.end_ms) AS hi FROM agents a JOIN spans s ON s.agent_key = a.key
                WHERE a.person_id IN ({people}) AND s.state = {(int)SpanState.Active} GROUP BY a.person_id
                UNION ALL
                SELECT person_id, min(start_ms), max(end_ms) FROM device_overlaps WHERE person_id IN ({people}) GROUP BY person_id)
            GROUP BY p;
            """;
        var ranges = new List<(long, long, long)>();
        await using var r = await cmd.ExecuteReaderAsync(ct);
        while (await r.ReadAsync(ct)) ranges.Add((r.GetInt64(0), r.GetInt64(1), r.GetInt64(2)));
        return ranges;
    }

    private SqliteCommand Prepare(string sql, params string[] names)
    {
        var cmd = _db.CreateCommand();
        cmd.Transaction = _tx;
        cmd.CommandText = sql;
        foreach (var n in names) cmd.Parameters.Add(new SqliteParameter { ParameterName = n });
        cmd.Prepare();
        return cmd;
    }

    private static void Bind(SqliteCommand cmd, params object?[] values)
    {
        for (var i = 0; i < values.Length; i++) cmd.Parameters[i].Value = values[i] ?? DBNull.Value;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var cmd in new[] { _agent, _latest, _existing, _previous, _next, _upsert, _dropParts, _raise, _dayUse, _saveDay, _personSpans, _overlaps, _dropOverlaps, _addOverlap }) await cmd.DisposeAsync();
    }
}
