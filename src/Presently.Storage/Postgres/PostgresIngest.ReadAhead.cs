using Npgsql;
using Presently.Protocol;
using Presently.Storage.Ingest;

namespace Presently.Storage.Postgres;

/// <summary>
/// Reading a group ahead: the three reads nearly every batch makes (its agent, locked; the stored
/// version of a span it extends; its use of the day) made for the whole group in one round trip.
/// At thousands of agents a batch is a checkpoint or two, so these per-batch round trips, not the
/// rows, were what bounded ingest. What was read ahead answers until this group writes the same
/// thing. Agents and spans are only ever asked of what the group names, so they come from here
/// alone; a day not read ahead (a span clipped into the next day, say) is read when asked.
/// </summary>
internal sealed partial class PostgresIngest
{
    /// <summary>The agents read ahead, by id: null for one not active (removed or blocked).</summary>
    private readonly Dictionary<string, AgentIngestState?> _agentsAhead = new(StringComparer.Ordinal);

    /// <summary>Stored versions of spans read ahead, by (agent, span id): null for none stored.</summary>
    private readonly Dictionary<(long Agent, long Span), ExistingSpan?> _spansAhead = [];

    /// <summary>Stored day use read ahead, by (agent, day): (0, 0) for none stored.</summary>
    private readonly Dictionary<(long Agent, long Day), (long Bytes, long Spans)> _daysAhead = [];

    public async Task ReadAheadAsync(IReadOnlyList<IngestBatch> batches, CancellationToken ct)
    {
        var agentIds = batches.Select(b => b.AgentId).Distinct(StringComparer.Ordinal).ToArray();
        // Only records that can be stored ask for their span and day.
        var asked = batches.SelectMany(b => b.Spans.Where(s => s.EndMs > s.StartMs).Select(s => (b.AgentId, s.SpanId, Day: SpanIngest.Day(s.StartMs))))
            .ToArray();
        var spans = asked.Select(a => (a.AgentId, a.SpanId)).Distinct().ToArray();
        var days = asked.Select(a => (a.AgentId, a.Day)).Distinct().ToArray();

        await using var batch = new NpgsqlBatch(db, tx);
        // FOR UPDATE: an agent's ingest and its removal (or another instance's ingest) never interleave.
        // In key order, as every group takes them: two groups sharing agents (two instances during a
        // hand-over) wait for each other instead of deadlocking.
        batch.BatchCommands.Add(BatchCommand("""
            SELECT id, key, highest_seq, max_end_ms, max_span_id, latest_span_id, latest_start_ms, person_id,
                   EXISTS (SELECT 1 FROM agents o WHERE o.person_id = agents.person_id AND o.key != agents.key)
            FROM agents WHERE id = ANY($1) AND status = 'active' ORDER BY key FOR UPDATE
            """, (object)agentIds));
        batch.BatchCommands.Add(BatchCommand("""
            SELECT s.agent_key, s.span_id, s.seq, s.start_ms, s.end_ms, s.state, s.app, s.title, s.context, s.bytes
            FROM unnest($1::text[], $2::bigint[]) AS q(agent_id, span_id)
            JOIN agents a ON a.id = q.agent_id AND q.span_id <= a.max_span_id
            JOIN spans s ON s.agent_key = a.key AND s.span_id = q.span_id
            ORDER BY s.agent_key, s.span_id, s.part
            """, spans.Select(s => s.AgentId).ToArray(), spans.Select(s => s.SpanId).ToArray()));
        batch.BatchCommands.Add(BatchCommand("""
            SELECT u.agent_key, u.day, u.bytes, u.spans
            FROM unnest($1::text[], $2::bigint[]) AS q(agent_id, day)
            JOIN agents a ON a.id = q.agent_id JOIN agent_usage u ON u.agent_key = a.key AND u.day = q.day
            """, days.Select(d => d.AgentId).ToArray(), days.Select(d => d.Day).ToArray()));

        var storedSpans = new Dictionary<(long, long), ExistingSpan>();
        var storedDays = new Dictionary<(long, long), (long, long)>();
        await using (var r = await batch.ExecuteReaderAsync(ct))
        {
            foreach (var id in agentIds) _agentsAhead[id] = null;
            while (await r.ReadAsync(ct))
                _agentsAhead[r.GetString(0)] = new AgentIngestState(r.GetInt64(1), r.GetInt64(2), r.GetInt64(3), r.GetInt64(4),
                    r.IsDBNull(5) ? long.MinValue : r.GetInt64(5), r.IsDBNull(6) ? long.MinValue : r.GetInt64(6), r.GetInt64(7), r.GetBoolean(8));
            await r.NextResultAsync(ct);
            while (await r.ReadAsync(ct))
            {
                var key = (r.GetInt64(0), r.GetInt64(1));
                // Parts in order: part 0's fields, the last part's end.
                storedSpans[key] = storedSpans.TryGetValue(key, out var first)
                    ? first with { EndMs = r.GetInt64(4), Parts = first.Parts + 1 }
                    : new ExistingSpan(r.GetInt64(2), r.GetInt64(3), r.GetInt64(4), (SpanState)r.GetInt16(5),
                        r.IsDBNull(6) ? null : r.GetString(6), r.IsDBNull(7) ? null : r.GetString(7), r.IsDBNull(8) ? null : r.GetString(8), r.GetInt32(9), 1);
            }
            await r.NextResultAsync(ct);
            while (await r.ReadAsync(ct)) storedDays[(r.GetInt64(0), r.GetInt64(1))] = (r.GetInt64(2), r.GetInt64(3));
        }

        // What was asked of an active agent and not found is known not to be stored (no span above the
        // agent's highest id is: those were not even looked for, as a replay's new spans are not).
        foreach (var (agentId, spanId) in spans)
            if (_agentsAhead[agentId] is { } agent)
                _spansAhead[(agent.Key, spanId)] = storedSpans.TryGetValue((agent.Key, spanId), out var span) ? span : null;
        foreach (var (agentId, day) in days)
            if (_agentsAhead[agentId] is { } agent)
                _daysAhead[(agent.Key, day)] = storedDays.GetValueOrDefault((agent.Key, day));
    }

    /// <summary>A read of something the group did not name: <see cref="SpanIngest"/> never makes one.</summary>
    private static InvalidOperationException NotReadAhead(string what) => new($"ingest asked for {what}, which its group did not name");

    private static NpgsqlBatchCommand BatchCommand(string sql, params object[] args)
    {
        var cmd = new NpgsqlBatchCommand(sql);
        foreach (var a in args) cmd.Parameters.Add(new NpgsqlParameter { Value = a });
        return cmd;
    }
}
