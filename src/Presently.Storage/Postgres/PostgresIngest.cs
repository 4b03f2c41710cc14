using Npgsql;
using NpgsqlTypes;
using Presently.Protocol;
using Presently.Storage.Ingest;
using Presently.Storage.Reports;
using Presently.Storage.Rollups;

namespace Presently.Storage.Postgres;

/// <summary>
/// One group commit on PostgreSQL: the reads <see cref="SpanIngest"/> needs (most of them read for the
/// whole group at once, <see cref="ReadAheadAsync"/>), and its span writes
/// collected and sent together (old versions deleted, new parts by binary COPY) before a read of the
/// spans of an agent that has some pending, and at the end. A group of many agents' checkpoints is
/// one write at its end, not one per batch: the round trips, not the rows, were what bounded ingest.
/// The agents' day use and high-water marks wait for the end too (read back from here meanwhile):
/// <see cref="CompleteAsync"/> writes everything, and a caller that writes must call it.
/// </summary>
internal sealed partial class PostgresIngest(NpgsqlConnection db, NpgsqlTransaction tx, PostgresPartitions partitions) : IIngestTarget
{
    private readonly record struct Row(long Agent, long Span, int Part, long Seq, long Start, long End, SpanState State, string? App, string? Title, string? Context, long Bytes);

    /// <summary>Spans to write, by (agent, span id): the latest version of each.</summary>
    private readonly Dictionary<(long, long), (SpanRecord Record, long Start, long End, string? App, string? Title, string? Context, long Bytes)> _pending = [];

    /// <summary>Spans whose stored rows go before the pending ones are written.</summary>
    private readonly HashSet<(long, long)> _replaced = [];

    /// <summary>Agents with spans pending: a read of their spans needs the pending ones written first.</summary>
    private readonly HashSet<long> _pendingAgents = [];

    /// <summary>Day use to write at the end, by (agent, day): what <see cref="DayUseAsync"/> returns meanwhile.</summary>
    private readonly Dictionary<(long Agent, long Day), (long Bytes, long Spans)> _dayUse = [];

    /// <summary>High-water marks to raise at the end, by agent: what <see cref="LoadAgentAsync"/> reads through meanwhile.</summary>
    private readonly Dictionary<long, (long HighestSeq, long MaxEndMs, long MaxSpanId, (long SpanId, long StartMs)? Latest)> _raises = [];

    public Task<AgentIngestState?> LoadAgentAsync(string agentId, CancellationToken ct) =>
        Task.FromResult(_agentsAhead.TryGetValue(agentId, out var ahead) ? WithRaises(ahead) : throw NotReadAhead($"agent {agentId}"));

    private AgentIngestState? WithRaises(AgentIngestState? ahead)
    {
        if (ahead is not { } state) return null;
        if (!_raises.TryGetValue(state.Key, out var raised)) return state;
        // Raised earlier in this group, not written yet: as the UPDATE will leave it.
        return state with
        {
            StoredThrough = Math.Max(state.StoredThrough, raised.HighestSeq), MaxEndMs = Math.Max(state.MaxEndMs, raised.MaxEndMs),
            MaxSpanId = Math.Max(state.MaxSpanId, raised.MaxSpanId),
            LatestSpanId = raised.Latest?.SpanId ?? long.MinValue, LatestStartMs = raised.Latest?.StartMs ?? long.MinValue,
        };
    }

    public async Task<(long SpanId, long StartMs)?> LatestSpanAsync(long agentKey, CancellationToken ct)
    {
        await FlushForAsync(agentKey, ct);
        await using var cmd = Command("SELECT span_id, start_ms FROM spans WHERE agent_key = $1 ORDER BY start_ms DESC LIMIT 1", agentKey);
        await using var r = await cmd.ExecuteReaderAsync(ct);
        return await r.ReadAsync(ct) ? (r.GetInt64(0), r.GetInt64(1)) : null;
    }

    public Task<ExistingSpan?> FindSpanAsync(long agentKey, long spanId, CancellationToken ct) =>
        Task.FromResult(_spansAhead.TryGetValue((agentKey, spanId), out var ahead) ? ahead : throw NotReadAhead($"span {spanId} of agent {agentKey}"));

    public async Task<long?> EndReachingAsync(long agentKey, long startMs, long spanId, CancellationToken ct)
    {
        await FlushForAsync(agentKey, ct);
        await using var cmd = Command($"""
            SELECT max(end_ms) FROM spans WHERE agent_key = $1 AND start_ms > $2 - {StoredSpans.MaxRowMs} AND start_ms <= $2 AND span_id != $3
            """, agentKey, startMs, spanId);
        return await cmd.ExecuteScalarAsync(ct) as long?;
    }

    public async Task<long?> FirstStartAsync(long agentKey, long startMs, long endMs, long spanId, CancellationToken ct)
    {
        await FlushForAsync(agentKey, ct);
        await using var cmd = Command("""
            SELECT min(start_ms) FROM spans WHERE agent_key = $1 AND start_ms >= $2 AND start_ms < $3 AND end_ms > start_ms AND span_id != $4
            """, agentKey, startMs, endMs, spanId);
        return await cmd.ExecuteScalarAsync(ct) as long?;
    }

    public async Task<(long Bytes, long Spans)> DayUseAsync(long agentKey, long day, CancellationToken ct)
    {
        if (_dayUse.TryGetValue((agentKey, day), out var pending) || _daysAhead.TryGetValue((agentKey, day), out pending)) return pending;
        await using var cmd = Command("SELECT bytes, spans FROM agent_usage WHERE agent_key = $1 AND day = $2", agentKey, day);
        await using var r = await cmd.ExecuteReaderAsync(ct);
        return await r.ReadAsync(ct) ? (r.GetInt64(0), r.GetInt64(1)) : (0, 0);
    }

    public Task WriteSpanAsync(long agentKey, SpanRecord s, long startMs, long endMs, string? app, string? title, string? context, long bytes, ExistingSpan? old, CancellationToken ct)
    {
        var key = (agentKey, s.SpanId);
        // Read ahead before this version: no longer what is stored (SpanIngest has the new one).
        _spansAhead.Remove(key);
        // A version already pending replaces that one; a stored one has its rows deleted first.
        if (old is not null && !_pending.ContainsKey(key)) _replaced.Add(key);
        _pending[key] = (s, startMs, endMs, app, title, context, bytes);
        _pendingAgents.Add(agentKey);
        return Task.CompletedTask;
    }

    public Task SaveDayUseAsync(long agentKey, long day, long bytes, long spans, CancellationToken ct)
    {
        _dayUse[(agentKey, day)] = (bytes, spans);
        return Task.CompletedTask;
    }

    public Task RaiseAgentAsync(long agentKey, long highestSeq, long maxEndMs, long maxSpanId, (long SpanId, long StartMs)? latest, CancellationToken ct)
    {
        _raises[agentKey] = _raises.TryGetValue(agentKey, out var was)
            ? (Math.Max(was.HighestSeq, highestSeq), Math.Max(was.MaxEndMs, maxEndMs), Math.Max(was.MaxSpanId, maxSpanId), latest)
            : (highestSeq, maxEndMs, maxSpanId, latest);
        return Task.CompletedTask;
    }

    /// <summary>Writes everything still pending: spans, then the day use and the agents' high-water marks, one statement each.</summary>
    public async Task CompleteAsync(CancellationToken ct)
    {
        await FlushAsync(ct);
        if (_dayUse.Count > 0)
        {
            await using var cmd = Command("""
                INSERT INTO agent_usage(agent_key, day, bytes, spans) SELECT * FROM unnest($1::bigint[], $2::bigint[], $3::bigint[], $4::bigint[])
                ON CONFLICT (agent_key, day) DO UPDATE SET bytes = excluded.bytes, spans = excluded.spans
                """, _dayUse.Keys.Select(k => k.Agent).ToArray(), _dayUse.Keys.Select(k => k.Day).ToArray(),
                _dayUse.Values.Select(v => v.Bytes).ToArray(), _dayUse.Values.Select(v => v.Spans).ToArray());
            await cmd.ExecuteNonQueryAsync(ct);
            _dayUse.Clear();
        }
        if (_raises.Count > 0)
        {
            await using var cmd = Command("""
                UPDATE agents a SET highest_seq = greatest(a.highest_seq, u.seq), max_end_ms = greatest(a.max_end_ms, u.end_ms),
                    max_span_id = greatest(a.max_span_id, u.span_id), latest_span_id = u.latest_id, latest_start_ms = u.latest_start
                FROM unnest($1::bigint[], $2::bigint[], $3::bigint[], $4::bigint[], $5::bigint[], $6::bigint[]) AS u(key, seq, end_ms, span_id, latest_id, latest_start)
                WHERE a.key = u.key
                """, _raises.Keys.ToArray(), _raises.Values.Select(v => v.HighestSeq).ToArray(), _raises.Values.Select(v => v.MaxEndMs).ToArray(),
                _raises.Values.Select(v => v.MaxSpanId).ToArray(), _raises.Values.Select(v => v.Latest?.SpanId).ToArray(),
                _raises.Values.Select(v => v.Latest?.StartMs).ToArray());
            await cmd.ExecuteNonQueryAsync(ct);
            _raises.Clear();
        }
    }

    public async Task<IReadOnlyList<DeviceSpan<OverlapRow>>> PersonSpansAsync(long personId, long fromMs, long toMs, CancellationToken ct)
    {
        await FlushAsync(ct);
        // Two instances storing two agents of one person at once would each miss the other's spans: the
        // person's row is the lock that orders them.
        await using (var lockPerson = Command("SELECT 1 FROM persons WHERE id = $1 FOR UPDATE", personId)) await lockPerson.ExecuteNonQueryAsync(ct);
        await using var cmd = Command($"""
            SELECT a.id, s.agent_key, s.start_ms - s.part * {StoredSpans.MaxRowMs}, greatest(s.start_ms, $2), least(s.end_ms, $3), s.app, s.title, s.context
            FROM agents a JOIN spans s ON s.agent_key = a.key
            WHERE a.person_id = $1 AND s.start_ms >= $2 - {StoredSpans.MaxRowMs} AND s.start_ms < $3 AND s.end_ms > $2
              AND s.end_ms > s.start_ms AND s.state = {(int)SpanState.Active}
            """, personId, fromMs, toMs);
        var spans = new List<DeviceSpan<OverlapRow>>();
        await using var r = await cmd.ExecuteReaderAsync(ct);
        while (await r.ReadAsync(ct))
            spans.Add(new DeviceSpan<OverlapRow>(r.GetString(0), r.GetInt64(2), r.GetInt64(3), r.GetInt64(4),
                new OverlapRow(r.GetInt64(1), 0, 0, r.IsDBNull(5) ? null : r.GetString(5), r.IsDBNull(6) ? null : r.GetString(6), r.IsDBNull(7) ? null : r.GetString(7))));
        return spans;
    }

    public async Task<IReadOnlyList<OverlapRow>> OverlapsAsync(long personId, long fromMs, long toMs, CancellationToken ct)
    {
        await using var cmd = Command("""
            SELECT agent_key, start_ms, end_ms, app, title, context FROM device_overlaps WHERE person_id = $1 AND start_ms >= $2 AND start_ms < $3
            ORDER BY start_ms, agent_key
            """, personId, fromMs, toMs);
        var rows = new List<OverlapRow>();
        await using var r = await cmd.ExecuteReaderAsync(ct);
        while (await r.ReadAsync(ct))
            rows.Add(new OverlapRow(r.GetInt64(0), r.GetInt64(1), r.GetInt64(2), r.IsDBNull(3) ? null : r.GetString(3), r.IsDBNull(4) ? null : r.GetString(4), r.IsDBNull(5) ? null : r.GetString(5)));
        return rows;
    }

    public async Task ReplaceOverlapsAsync(long personId, long fromMs, long toMs, IReadOnlyList<OverlapRow> rows, CancellationToken ct)
    {
        await using (var delete = Command("DELETE FROM device_overlaps WHERE person_id = $1 AND start_ms >= $2 AND start_ms < $3", personId, fromMs, toMs))
            await delete.ExecuteNonQueryAsync(ct);
        if (rows.Count == 0) return;
        await using var insert = Command("""
            INSERT INTO device_overlaps(agent_key, start_ms, end_ms, person_id, app, title, context)
            SELECT o.agent_key, o.start_ms, o.end_ms, $1, o.app, o.title, o.context
            FROM unnest($2::bigint[], $3::bigint[], $4::bigint[], $5::text[], $6::text[], $7::text[]) AS o(agent_key, start_ms, end_ms, app, title, context)
            """, personId, rows.Select(o => o.AgentKey).ToArray(), rows.Select(o => o.StartMs).ToArray(), rows.Select(o => o.EndMs).ToArray(),
            rows.Select(o => o.App).ToArray(), rows.Select(o => o.Title).ToArray(), rows.Select(o => o.Context).ToArray());
        await insert.ExecuteNonQueryAsync(ct);
    }

    public async Task<IReadOnlyList<(long PersonId, long FromMs, long ToMs)>> PeopleRangesAsync(IReadOnlyList<long>? personIds, CancellationToken ct)
    {
        await FlushAsync(ct);
        var people = personIds is null ? "SELECT person_id FROM agents GROUP BY person_id HAVING count(*) > 1" : "SELECT unnest($1::bigint[])";
        await using var cmd = Command($"""
            SELECT p, min(lo), max(hi) FROM (
                SELECT a.person_id AS p, min(s.start_ms) AS lo, max(s.end_ms) AS hi FROM agents a JOIN spans s ON s.agent_key = a.key
                WHERE a.person_id IN ({people}) AND s.state = {(int)SpanState.Active} GROUP BY a.person_id
                UNION ALL
                SELECT person_id, min(start_ms), max(end_ms) FROM device_overlaps WHERE person_id IN ({people}) GROUP BY person_id) AS ranges
            GROUP BY p
            """, personIds is null ? [] : [personIds.ToArray()]);
        var ranges = new List<(long, long, long)>();
        await using var r = await cmd.ExecuteReaderAsync(ct);
        while (await r.ReadAsync(ct)) ranges.Add((r.GetInt64(0), r.GetInt64(1), r.GetInt64(2)));
        return ranges;
    }

    private Task FlushForAsync(long agentKey, CancellationToken ct) => _pendingAgents.Contains(agentKey) ? FlushAsync(ct) : Task.CompletedTask;

    /// <summary>Writes what is pending: deletes of replaced spans, then every part by binary COPY.</summary>
    public async Task FlushAsync(CancellationToken ct)
    {
        if (_pending.Count == 0) return;
        _pendingAgents.Clear();
        if (_replaced.Count > 0)
        {
            await using var delete = Command("""
                DELETE FROM spans s USING unnest($1::bigint[], $2::bigint[]) AS d(agent_key, span_id)
                WHERE s.agent_key = d.agent_key AND s.span_id = d.span_id
                """, _replaced.Select(k => k.Item1).ToArray(), _replaced.Select(k => k.Item2).ToArray());
            await delete.ExecuteNonQueryAsync(ct);
            _replaced.Clear();
        }
        var rows = new List<Row>(_pending.Count);
        foreach (var ((agent, span), p) in _pending)
        {
            var parts = StoredSpans.PartCount(p.Start, p.End);
            for (var part = 0; part < parts; part++)
            {
                var (start, end) = StoredSpans.Part(p.Start, p.End, part);
                rows.Add(new Row(agent, span, part, p.Record.Seq, start, end, p.Record.State, p.App, p.Title, p.Context, part == 0 ? p.Bytes : 0));
            }
        }
        _pending.Clear();
        await partitions.EnsureAsync(db, tx, rows.Select(r => r.Start), ct);
        await using var copy = await db.BeginBinaryImportAsync(
            "COPY spans (agent_key, span_id, part, seq, start_ms, end_ms, state, app, title, context, bytes) FROM STDIN (FORMAT BINARY)", ct);
        // Synchronous writes into the importer's buffer: per value, the async calls cost more than the rows (it flushes when full).
        foreach (var r in rows)
        {
            copy.StartRow();
            copy.Write(r.Agent, NpgsqlDbType.Bigint);
            copy.Write(r.Span, NpgsqlDbType.Bigint);
            copy.Write(r.Part, NpgsqlDbType.Integer);
            copy.Write(r.Seq, NpgsqlDbType.Bigint);
            copy.Write(r.Start, NpgsqlDbType.Bigint);
            copy.Write(r.End, NpgsqlDbType.Bigint);
            copy.Write((short)r.State, NpgsqlDbType.Smallint);
            WriteText(copy, r.App);
            WriteText(copy, r.Title);
            WriteText(copy, r.Context);
            copy.Write((int)r.Bytes, NpgsqlDbType.Integer);
        }
        await copy.CompleteAsync(ct);
    }

    private static void WriteText(NpgsqlBinaryImporter copy, string? value)
    {
        if (value is null) copy.WriteNull();
        else copy.Write(PostgresAccounts.Storable(value), NpgsqlDbType.Text);
    }

    private NpgsqlCommand Command(string sql, params object?[] args)
    {
        var cmd = new NpgsqlCommand(sql, db, tx);
        foreach (var a in args) cmd.Parameters.Add(a is DBNull ? new NpgsqlParameter { Value = a, NpgsqlDbType = NpgsqlDbType.Bigint } : new NpgsqlParameter { Value = a });
        return cmd;
    }
}
