using Microsoft.Data.Sqlite;
using Presently.Protocol;
using Presently.Storage.Rollups;

namespace Presently.Storage.Sqlite;

/// <summary>
/// One group commit's prepared statements and the rules every stored span obeys:
/// <list type="bullet">
/// <item>a record with a seq the agent has already had stored is a replay: it never creates or changes a span;</item>
/// <item>a later version of a span replaces the stored one (the highest seq wins);</item>
/// <item>a zero-length record (an agent announces each span that way) is not stored: it holds no time,
/// and its next version, which does, is;</item>
/// <item>spans of one agent never overlap: a span is clipped to the time no other span of the agent
/// holds, and dropped when nothing is left — so an agent's stored time never exceeds wall-clock time;</item>
/// <item>per agent and UTC day of span start, past <see cref="StoreLimits.DailyQuotaBytes"/> spans keep
/// their time and app (cut to <see cref="OverQuotaAppChars"/> characters) but lose title and context,
/// and past <see cref="StoreLimits.DailySpans"/> new spans are not stored — so a day holds at most
/// the quota plus DailySpans short rows. Either way the batch is acknowledged, so nothing is held back or replayed forever.</item>
/// <item>a span is stored in parts of at most <see cref="StoredSpans.MaxRowMs"/>, and its active time goes
/// into the rollups (a new version's minus the old one's) in the same transaction.</item>
/// </list>
/// </summary>
internal sealed class SqliteIngest : IAsyncDisposable
{
    private const long DayMs = 86_400_000;

    /// <summary>App names past the quota: long enough for any real app's name, short enough to bound the day.</summary>
    public const int OverQuotaAppChars = 32;

    private readonly SqliteConnection _db;
    private readonly SqliteTransaction _tx;
    private readonly StoreLimits _limits;
    private readonly RollupDelta _rollups;
    private readonly SqliteCommand _agent, _existing, _previous, _next, _upsert, _dropParts, _raise, _dayUse, _saveDay;

    /// <summary>The stored version of a span: part 0's fields, the last part's end.</summary>
    private readonly record struct Existing(long Seq, long StartMs, long EndMs, SpanState State, string? App, string? Context, long Bytes, int Parts);

    private sealed class DayUse(long bytes, long spans)
    {
        public long Bytes = bytes;
        public long Spans = spans;
    }

    public SqliteIngest(SqliteConnection db, SqliteTransaction tx, StoreLimits limits, RollupDelta rollups)
    {
        _db = db;
        _tx = tx;
        _limits = limits;
        _rollups = rollups;
        _agent = Prepare("""
            SELECT key, highest_seq, max_end_ms, coalesce((SELECT max(span_id) FROM spans WHERE agent_key = agents.key), 0)
            FROM agents WHERE id = $agent AND status = 'active';
            """, "$agent");
        _existing = Prepare("SELECT seq, start_ms, end_ms, state, app, context, bytes FROM spans WHERE agent_key = $key AND span_id = $span ORDER BY part;", "$key", "$span");
        // Rows are at most MaxRowMs long, so only one starting that close before $start can reach into the new span.
        _previous = Prepare($"""
            SELECT max(end_ms) FROM spans WHERE agent_key = $key AND start_ms > $start - {StoredSpans.MaxRowMs} AND start_ms <= $start AND span_id != $span;
            """, "$key", "$start", "$span");
        // The first span starting inside the new one: where the new one must end.
        _next = Prepare("""
            SELECT start_ms FROM spans WHERE agent_key = $key AND start_ms >= $start AND start_ms < $end AND end_ms > start_ms AND span_id != $span
            ORDER BY start_ms LIMIT 1;
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
        _raise = Prepare("UPDATE agents SET highest_seq = max(highest_seq, $seq), max_end_ms = max(max_end_ms, $end) WHERE key = $key;", "$key", "$seq", "$end");
        _dayUse = Prepare("SELECT bytes, spans FROM agent_usage WHERE agent_key = $key AND day = $day;", "$key", "$day");
        _saveDay = Prepare("""
            INSERT INTO agent_usage(agent_key, day, bytes, spans) VALUES ($key, $day, $bytes, $spans)
            ON CONFLICT(agent_key, day) DO UPDATE SET bytes = excluded.bytes, spans = excluded.spans;
            """, "$key", "$day", "$bytes", "$spans");
    }

    public async Task<CommitOutcome> StoreAsync(IngestBatch batch, CancellationToken ct)
    {
        _agent.Parameters[0].Value = batch.AgentId;
        long key, storedThrough, maxEnd, maxSpanId;
        await using (var r = await _agent.ExecuteReaderAsync(ct))
        {
            // Removed or blocked while its batch waited: nothing of it may be stored.
            if (!await r.ReadAsync(ct)) return CommitOutcome.AgentGone;
            key = r.GetInt64(0);
            storedThrough = r.GetInt64(1);
            maxEnd = r.GetInt64(2);
            maxSpanId = r.GetInt64(3);
        }

        var days = new Dictionary<long, DayUse>();
        var overQuota = false;
        foreach (var s in batch.Spans)
        {
            if (s.Seq <= storedThrough || s.EndMs <= s.StartMs) continue;
            // The fast paths are exact: no span has an id above maxSpanId, and none ends after maxEnd.
            var existing = s.SpanId > maxSpanId ? null : await ExistingAsync(key, s.SpanId, ct);
            if (existing is { } e && e.Seq >= s.Seq) continue;
            var clipped = s.StartMs >= maxEnd ? (s.StartMs, s.EndMs) : await ClipAsync(key, s, ct);
            if (clipped is not { } kept) continue;

            var day = Day(kept.Start);
            var use = await DayAsync(days, key, day, ct);
            var oldUse = existing is { } o ? await DayAsync(days, key, Day(o.StartMs), ct) : null;
            if (existing is null && use.Spans >= _limits.DailySpans)
            {
                overQuota = true;
                continue;
            }
            var (app, title, context) = (s.App, s.Title, s.Context?.ToJson());
            var bytes = SpanSize.Of(app, title, context);
            var freed = oldUse == use ? existing!.Value.Bytes : 0;
            if (use.Bytes - freed + bytes > _limits.DailyQuotaBytes)
            {
                (app, title, context) = (TextCut.Prefix(app, OverQuotaAppChars), null, null);
                bytes = SpanSize.Of(app, null, null);
                overQuota = true;
            }

            var parts = StoredSpans.PartCount(kept.Start, kept.End);
            for (var part = 0; part < parts; part++)
            {
                var (partStart, partEnd) = StoredSpans.Part(kept.Start, kept.End, part);
                Bind(_upsert, key, s.SpanId, part, s.Seq, partStart, partEnd, (int)s.State, app, title, context, part == 0 ? bytes : 0);
                await _upsert.ExecuteNonQueryAsync(ct);
            }
            if (existing is { } old)
            {
                if (old.Parts > parts)
                {
                    Bind(_dropParts, key, s.SpanId, parts);
                    await _dropParts.ExecuteNonQueryAsync(ct);
                }
                if (old.State == SpanState.Active) _rollups.Add(key, old.StartMs, old.EndMs, old.App, SpanContext.FromJson(old.Context), -1);
            }
            if (s.State == SpanState.Active) _rollups.Add(key, kept.Start, kept.End, app, context is null ? null : s.Context, +1);
            if (oldUse is not null)
            {
                oldUse.Bytes -= existing!.Value.Bytes;
                oldUse.Spans--;
            }
            use.Bytes += bytes;
            use.Spans++;
            maxEnd = Math.Max(maxEnd, kept.End);
            maxSpanId = Math.Max(maxSpanId, s.SpanId);
        }

        foreach (var (day, use) in days)
        {
            Bind(_saveDay, key, day, use.Bytes, use.Spans);
            await _saveDay.ExecuteNonQueryAsync(ct);
        }
        Bind(_raise, key, batch.HighestSeq, maxEnd);
        await _raise.ExecuteNonQueryAsync(ct);
        return overQuota ? CommitOutcome.StoredOverQuota : CommitOutcome.Stored;
    }

    private async Task<Existing?> ExistingAsync(long key, long spanId, CancellationToken ct)
    {
        Bind(_existing, key, spanId);
        await using var r = await _existing.ExecuteReaderAsync(ct);
        if (!await r.ReadAsync(ct)) return null;
        var first = new Existing(r.GetInt64(0), r.GetInt64(1), r.GetInt64(2), (SpanState)r.GetInt32(3),
            r.IsDBNull(4) ? null : r.GetString(4), r.IsDBNull(5) ? null : r.GetString(5), r.GetInt64(6), 1);
        while (await r.ReadAsync(ct)) first = first with { EndMs = r.GetInt64(2), Parts = first.Parts + 1 };
        return first;
    }

    /// <summary>The agent's use of one day, read once per batch and written back at its end.</summary>
    private async Task<DayUse> DayAsync(Dictionary<long, DayUse> days, long key, long day, CancellationToken ct)
    {
        if (days.TryGetValue(day, out var use)) return use;
        Bind(_dayUse, key, day);
        await using (var r = await _dayUse.ExecuteReaderAsync(ct))
            use = await r.ReadAsync(ct) ? new DayUse(r.GetInt64(0), r.GetInt64(1)) : new DayUse(0, 0);
        days[day] = use;
        return use;
    }

    /// <summary>The part of the record's time no other span of the agent holds; null when there is none.</summary>
    private async Task<(long Start, long End)?> ClipAsync(long key, SpanRecord s, CancellationToken ct)
    {
        var start = s.StartMs;
        var end = s.EndMs;
        // A span reaching past start moves it on; parts of one span follow each other, so look again from there.
        while (start < end)
        {
            Bind(_previous, key, start, s.SpanId);
            if (await _previous.ExecuteScalarAsync(ct) is not long previousEnd || previousEnd <= start) break;
            start = previousEnd;
        }
        if (start >= end) return null;
        Bind(_next, key, start, end, s.SpanId);
        if (await _next.ExecuteScalarAsync(ct) is long nextStart) end = nextStart;
        return end > start ? (start, end) : null;
    }

    private static long Day(long ms) => ms >= 0 ? ms / DayMs : (ms - DayMs + 1) / DayMs;

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
        foreach (var cmd in new[] { _agent, _existing, _previous, _next, _upsert, _dropParts, _raise, _dayUse, _saveDay }) await cmd.DisposeAsync();
    }
}
