using Microsoft.Data.Sqlite;
using Presently.Protocol;

namespace Presently.Storage.Sqlite;

/// <summary>
/// One group commit's prepared statements and the rules every stored span obeys:
/// <list type="bullet">
/// <item>a record with a seq the agent has already had stored is a replay: it never creates or changes a span;</item>
/// <item>a later version of a span replaces the stored one (the highest seq wins);</item>
/// <item>spans of one agent never overlap: a span is clipped to the time no other span of the agent
/// holds, and dropped when nothing is left — so an agent's stored time never exceeds wall-clock time;</item>
/// <item>the bytes stored per agent and UTC day stay within the daily quota, or the whole batch is rolled back.</item>
/// </list>
/// </summary>
internal sealed class SqliteIngest : IAsyncDisposable
{
    private const long DayMs = 86_400_000;

    private readonly SqliteConnection _db;
    private readonly SqliteTransaction _tx;
    private readonly long _dailyQuotaBytes;
    private readonly SqliteCommand _agent, _existing, _previous, _next, _upsert, _raise, _usage;

    public SqliteIngest(SqliteConnection db, SqliteTransaction tx, long dailyQuotaBytes)
    {
        _db = db;
        _tx = tx;
        _dailyQuotaBytes = dailyQuotaBytes;
        _agent = Prepare("SELECT key, highest_seq FROM agents WHERE id = $agent AND status = 'active';", "$agent");
        _existing = Prepare("""
            SELECT seq, start_ms, 64 + coalesce(length(CAST(app AS BLOB)), 0) + coalesce(length(CAST(title AS BLOB)), 0) + coalesce(length(CAST(context AS BLOB)), 0)
            FROM spans WHERE agent_key = $key AND span_id = $span;
            """, "$key", "$span");
        // The span starting last at or before $start: the only one that can reach into the new span from the left.
        _previous = Prepare("""
            SELECT end_ms FROM spans WHERE agent_key = $key AND start_ms <= $start AND span_id != $span
            ORDER BY start_ms DESC LIMIT 1;
            """, "$key", "$start", "$span");
        // The first span with time of its own starting inside the new one: where the new one must end.
        _next = Prepare("""
            SELECT start_ms FROM spans WHERE agent_key = $key AND start_ms >= $start AND start_ms < $end AND end_ms > start_ms AND span_id != $span
            ORDER BY start_ms LIMIT 1;
            """, "$key", "$start", "$end", "$span");
        _upsert = Prepare("""
            INSERT INTO spans(agent_key, span_id, seq, start_ms, end_ms, state, app, title, context)
            VALUES ($key, $span, $seq, $start, $end, $state, $app, $title, $context)
            ON CONFLICT(agent_key, span_id) DO UPDATE SET
                seq = excluded.seq, start_ms = excluded.start_ms, end_ms = excluded.end_ms, state = excluded.state,
                app = excluded.app, title = excluded.title, context = excluded.context
            WHERE excluded.seq > spans.seq;
            """, "$key", "$span", "$seq", "$start", "$end", "$state", "$app", "$title", "$context");
        _raise = Prepare("UPDATE agents SET highest_seq = max(highest_seq, $seq) WHERE key = $key;", "$key", "$seq");
        _usage = Prepare("""
            INSERT INTO agent_usage(agent_key, day, bytes) VALUES ($key, $day, $delta)
            ON CONFLICT(agent_key, day) DO UPDATE SET bytes = bytes + excluded.bytes
            RETURNING bytes;
            """, "$key", "$day", "$delta");
    }

    public async Task<CommitOutcome> StoreAsync(IngestBatch batch, CancellationToken ct)
    {
        _agent.Parameters[0].Value = batch.AgentId;
        long key, storedThrough;
        await using (var r = await _agent.ExecuteReaderAsync(ct))
        {
            // Removed or blocked while its batch waited: nothing of it may be stored.
            if (!await r.ReadAsync(ct)) return CommitOutcome.AgentGone;
            key = r.GetInt64(0);
            storedThrough = r.GetInt64(1);
        }

        await ExecuteAsync("SAVEPOINT batch;", ct);
        var usage = new Dictionary<long, long>();
        foreach (var s in batch.Spans)
        {
            if (s.Seq <= storedThrough) continue;
            var existing = await ExistingAsync(key, s.SpanId, ct);
            if (existing is { } e && e.Seq >= s.Seq) continue;
            if (await ClipAsync(key, s, ct) is not { } clipped) continue;

            var size = SpanSize.Of(s.App, s.Title, s.Context);
            Bind(_upsert, key, s.SpanId, s.Seq, clipped.Start, clipped.End, (int)s.State, s.App, s.Title, s.Context);
            await _upsert.ExecuteNonQueryAsync(ct);
            if (existing is { } old) Add(usage, Day(old.StartMs), -old.Bytes);
            Add(usage, Day(clipped.Start), size);
        }

        var overQuota = false;
        foreach (var (day, delta) in usage)
        {
            if (delta == 0) continue;
            Bind(_usage, key, day, delta);
            var total = (long)(await _usage.ExecuteScalarAsync(ct))!;
            overQuota |= delta > 0 && total > _dailyQuotaBytes;
        }
        if (overQuota)
        {
            await ExecuteAsync("ROLLBACK TO batch; RELEASE batch;", ct);
            return CommitOutcome.OverQuota;
        }
        Bind(_raise, key, batch.HighestSeq);
        await _raise.ExecuteNonQueryAsync(ct);
        await ExecuteAsync("RELEASE batch;", ct);
        return CommitOutcome.Stored;
    }

    private async Task<(long Seq, long StartMs, long Bytes)?> ExistingAsync(long key, long spanId, CancellationToken ct)
    {
        Bind(_existing, key, spanId);
        await using var r = await _existing.ExecuteReaderAsync(ct);
        return await r.ReadAsync(ct) ? (r.GetInt64(0), r.GetInt64(1), r.GetInt64(2)) : null;
    }

    /// <summary>The part of the record's time no other span of the agent holds; null when there is none.</summary>
    private async Task<(long Start, long End)?> ClipAsync(long key, SpanRecord s, CancellationToken ct)
    {
        var start = s.StartMs;
        var end = s.EndMs;
        Bind(_previous, key, start, s.SpanId);
        if (await _previous.ExecuteScalarAsync(ct) is long previousEnd && previousEnd > start)
        {
            // Inside another span: a zero-length record there, or one wholly covered, says nothing true.
            if (previousEnd >= end) return null;
            start = previousEnd;
        }
        Bind(_next, key, start, end, s.SpanId);
        if (await _next.ExecuteScalarAsync(ct) is long nextStart) end = nextStart;
        return end > start || s.EndMs == s.StartMs ? (start, end) : null;
    }

    private static long Day(long ms) => ms >= 0 ? ms / DayMs : (ms - DayMs + 1) / DayMs;

    private static void Add(Dictionary<long, long> usage, long day, long bytes) =>
        usage[day] = usage.GetValueOrDefault(day) + bytes;

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

    private async Task ExecuteAsync(string sql, CancellationToken ct)
    {
        await using var cmd = _db.CreateCommand();
        cmd.Transaction = _tx;
        cmd.CommandText = sql;
        await cmd.ExecuteNonQueryAsync(ct);
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var cmd in new[] { _agent, _existing, _previous, _next, _upsert, _raise, _usage }) await cmd.DisposeAsync();
    }
}
