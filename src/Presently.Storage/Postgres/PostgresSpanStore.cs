using System.Runtime.CompilerServices;
using Npgsql;
using Presently.Protocol;
using Presently.Storage.Categories;
using Presently.Storage.Ingest;
using Presently.Storage.Reports;
using Presently.Storage.Rollups;

namespace Presently.Storage.Postgres;

/// <summary>
/// Spans in PostgreSQL: the same rules as every store (<see cref="SpanIngest"/>), spans partitioned
/// by month, rollups kept in the ingest transaction, and an ingest acknowledged only after its commit.
/// </summary>
public sealed class PostgresSpanStore(NpgsqlDataSource dataSource, StoreLimits? limits = null, int ingestLanes = 1) : ISpanStore, IReportSource
{
    public const int MaxIngestLanes = 32;

    private readonly StoreLimits _limits = limits ?? StoreLimits.None;
    private readonly PostgresPartitions _partitions = new();
    private readonly int _lanes = LaneCount(ingestLanes);
    // Commits take one permit each (up to IngestLanes at once, each on its own connection); the
    // maintenance writes (recount, categories, rebuild, retention) take them all. Between instances,
    // and between lanes, the agent row's lock orders an agent's ingest.
    private readonly SemaphoreSlim _writeLock = new(LaneCount(ingestLanes), MaxIngestLanes);
    private readonly SemaphoreSlim _exclusive = new(1, 1);

    public int IngestLanes => _lanes;

    private static int LaneCount(int requested) => Math.Clamp(requested, 1, MaxIngestLanes);

    /// <summary>
    /// The category rules ingest and reports use: loaded from the database when first needed, replaced by
    /// <see cref="RefreshCategoriesAsync"/> (on this instance; the others take them up when told to refresh).
    /// </summary>
    private volatile CategoryRules? _categories;

    public Task InitializeAsync(CancellationToken ct = default) => PostgresMigrator.MigrateAsync(dataSource, ct);

    public async Task<AgentRegistered?> RegisterAgentAsync(AgentRegistration r, bool sharedCredential, CancellationToken ct = default)
    {
        await using var conn = await dataSource.OpenConnectionAsync(ct);
        await using var tx = await conn.BeginTransactionAsync(ct);
        var seen = r.SeenAt.ToUnixTimeMilliseconds();
        if (sharedCredential)
        {
            await ExecuteAsync(conn, tx, "INSERT INTO persons(name) VALUES ($1) ON CONFLICT (name) DO NOTHING", ct, r.PersonName);
            await ExecuteAsync(conn, tx, """
                INSERT INTO agents(id, person_id, host, os, agent_version, capabilities, first_seen_ms, last_seen_ms)
                VALUES ($1, (SELECT id FROM persons WHERE name = $2), $3, $4, $5, '', $6, $6) ON CONFLICT (id) DO NOTHING
                """, ct, r.AgentId, r.PersonName, r.Host, r.Os, r.AgentVersion, seen);
        }
        // Only an active agent is let in, checked in the same transaction that records its Hello: a
        // block or removal committed before this can never be undone by it.
        await using var cmd = Command(conn, tx, """
            UPDATE agents SET host = $2, os = $3, agent_version = $4, capabilities = $5, last_seen_ms = $6, clock_offset_ms = $7
            WHERE id = $1 AND status = 'active' AND (NOT $8 OR credential_hash IS NULL)
            RETURNING highest_seq, first_seen_ms
            """, r.AgentId, r.Host, r.Os, r.AgentVersion, string.Join(',', r.Capabilities), seen, r.ClockOffsetMs, sharedCredential);
        AgentRegistered? registered = null;
        await using (var reader = await cmd.ExecuteReaderAsync(ct))
        {
            if (await reader.ReadAsync(ct)) registered = new AgentRegistered(reader.GetInt64(0), Instants.FromMs(reader.GetInt64(1)));
        }
        await tx.CommitAsync(ct);
        return registered;
    }

    public async Task<IReadOnlyList<CommitOutcome>> CommitAsync(IReadOnlyList<IngestBatch> batches, CancellationToken ct = default)
    {
        if (batches.Count == 0) return [];
        await _writeLock.WaitAsync(ct);
        try
        {
            await using var conn = await dataSource.OpenConnectionAsync(ct);
            await using var tx = await conn.BeginTransactionAsync(ct);
            // Another instance may have changed the categories: its new fingerprint says so (and orders the two).
            var rollups = new RollupDelta(_categories = await PostgresCategoryRollups.RulesForIngestAsync(conn, tx, _categories, ct));
            var target = new PostgresIngest(conn, tx, _partitions);
            var outcomes = await new SpanIngest(target, _limits, rollups).StoreAllAsync(batches, ct);
            await target.CompleteAsync(ct);
            await PostgresRollups.ApplyAsync(conn, tx, rollups, ct);
            await tx.CommitAsync(ct);
            return outcomes;
        }
        catch
        {
            // Partitions created in the rolled-back transaction are gone again.
            _partitions.Forget();
            throw;
        }
        finally
        {
            _writeLock.Release();
        }
    }

    public async Task<IReadOnlyList<QuotaUse>> GetQuotaUseAsync(DateTimeOffset since, long atLeastBytes, long atLeastSpans, CancellationToken ct = default)
    {
        var result = new List<QuotaUse>();
        await using var conn = await dataSource.OpenConnectionAsync(ct);
        await using var cmd = Command(conn, null, """
            SELECT a.id, p.name, a.host, u.day, u.bytes, u.spans
            FROM agent_usage u JOIN agents a ON a.key = u.agent_key JOIN persons p ON p.id = a.person_id
            WHERE u.day >= $1 AND (u.bytes >= $2 OR u.spans >= $3) AND a.status != 'removed'
            ORDER BY u.day DESC, u.bytes DESC LIMIT 100
            """, since.ToUnixTimeMilliseconds() / 86_400_000, atLeastBytes, atLeastSpans);
        await using var r = await cmd.ExecuteReaderAsync(ct);
        while (await r.ReadAsync(ct))
            result.Add(new QuotaUse(r.GetString(0), r.GetString(1), r.GetString(2),
                DateOnly.FromDayNumber(DateOnly.FromDateTime(DateTime.UnixEpoch).DayNumber + (int)Math.Clamp(r.GetInt64(3), 0, 2_000_000)), r.GetInt64(4), r.GetInt64(5)));
        return result;
    }

    public async Task<IReadOnlyList<AgentSummary>> ListAgentsAsync(CancellationToken ct = default)
    {
        var result = new List<AgentSummary>();
        await using var conn = await dataSource.OpenConnectionAsync(ct);
        await using var cmd = Command(conn, null, $"""
            SELECT a.id, p.name, a.host, a.os, a.agent_version, a.highest_seq, a.last_seen_ms, a.clock_offset_ms, {SpanColumns}
            FROM agents a
            JOIN persons p ON p.id = a.person_id
            LEFT JOIN LATERAL (SELECT span_id FROM spans WHERE agent_key = a.key ORDER BY span_id DESC LIMIT 1) last ON true
            LEFT JOIN spans s ON s.agent_key = a.key AND s.span_id = last.span_id AND s.part = 0
            WHERE a.status != 'removed'
            ORDER BY p.name, a.host
            """);
        await using var r = await cmd.ExecuteReaderAsync(ct);
        while (await r.ReadAsync(ct))
        {
            var agentId = r.GetString(0);
            var last = r.IsDBNull(8) ? null : ReadSpan(r, agentId, 8);
            result.Add(new AgentSummary(agentId, r.GetString(1), r.GetString(2), r.GetString(3), r.GetString(4),
                r.GetInt64(5), Instants.FromMs(r.GetInt64(6)), r.GetInt64(7), last));
        }
        return result;
    }

    public async Task<IReadOnlyList<StoredSpan>> GetSpansAsync(string agentId, CancellationToken ct = default)
    {
        var result = new List<StoredSpan>();
        await using var conn = await dataSource.OpenConnectionAsync(ct);
        // Every row of the agent once, parts in order; a span is its part 0 with its last part's end.
        await using var cmd = Command(conn, null, """
            SELECT s.span_id, s.seq, s.start_ms, s.end_ms, s.state, s.app, s.title, s.context
            FROM spans s JOIN agents a ON a.key = s.agent_key
            WHERE a.id = $1 ORDER BY s.span_id, s.part
            """, agentId);
        await using var r = await cmd.ExecuteReaderAsync(ct);
        while (await r.ReadAsync(ct))
        {
            var span = ReadSpan(r, agentId, 0);
            if (result.Count > 0 && result[^1].SpanId == span.SpanId) result[^1] = result[^1] with { End = span.End };
            else result.Add(span);
        }
        result.Sort((a, b) => a.Start != b.Start ? a.Start.CompareTo(b.Start) : a.SpanId.CompareTo(b.SpanId));
        return result;
    }

    public async Task<IReadOnlyList<StoredSpan>> GetPersonSpansAsync(string person, DateTimeOffset from, DateTimeOffset to, int maxSpans, CancellationToken ct = default)
    {
        var parts = new List<StoredSpan>();
        await using var conn = await dataSource.OpenConnectionAsync(ct);
        // Parts start at most an hour before the period when they reach into it (StoredSpans).
        await using var cmd = Command(conn, null, """
            SELECT a.id, s.span_id, s.seq, s.start_ms, s.end_ms, s.state, s.app, s.title, s.context
            FROM persons p JOIN agents a ON a.person_id = p.id JOIN spans s ON s.agent_key = a.key
            WHERE p.name = $1 AND s.start_ms >= $2 AND s.start_ms < $3 AND s.end_ms > $4
            ORDER BY a.id, s.span_id, s.part
            """, person, from.ToUnixTimeMilliseconds() - StoredSpans.MaxRowMs, to.ToUnixTimeMilliseconds(), from.ToUnixTimeMilliseconds());
        await using var r = await cmd.ExecuteReaderAsync(ct);
        while (await r.ReadAsync(ct)) parts.Add(ReadSpan(r, r.GetString(0), 1));
        return StoredSpans.Join(parts, maxSpans);
    }

    /// <summary>A span's part 0, with the end of its last part.</summary>
    private const string SpanColumns = """
        s.span_id, s.seq, s.start_ms,
        (SELECT max(e.end_ms) FROM spans e WHERE e.agent_key = s.agent_key AND e.span_id = s.span_id), s.state, s.app, s.title, s.context
        """;

    private static StoredSpan ReadSpan(NpgsqlDataReader r, string agentId, int o) => new(
        agentId, r.GetInt64(o), r.GetInt64(o + 1), Instants.FromMs(r.GetInt64(o + 2)), Instants.FromMs(r.GetInt64(o + 3)),
        (SpanState)r.GetInt16(o + 4), r.IsDBNull(o + 5) ? null : r.GetString(o + 5), r.IsDBNull(o + 6) ? null : r.GetString(o + 6),
        r.IsDBNull(o + 7) ? null : SpanContext.FromJson(r.GetString(o + 7)));

    public async Task<ReportResult> RunReportAsync(ReportRequest request, CancellationToken ct = default)
    {
        if (_categories is null)
        {
            await using var conn = await dataSource.OpenConnectionAsync(ct);
            _categories ??= await PostgresCategoryRollups.LoadRulesAsync(conn, null, ct);
        }
        return await RollupReport.RunAsync(this, request, _categories, ct);
    }

    public async Task RecountPeopleAsync(IReadOnlyList<long> personIds, CancellationToken ct = default)
    {
        await WriteAloneAsync(ct);
        try
        {
            await using var conn = await dataSource.OpenConnectionAsync(ct);
            await using var tx = await conn.BeginTransactionAsync(ct);
            var rollups = new RollupDelta(_categories = await PostgresCategoryRollups.RulesForIngestAsync(conn, tx, _categories, ct));
            var target = new PostgresIngest(conn, tx, _partitions);
            await DeviceOverlaps.RecountPeopleAsync(target, personIds, rollups, ct);
            await PostgresRollups.ApplyAsync(conn, tx, rollups, ct);
            await tx.CommitAsync(ct);
        }
        finally
        {
            EndWriteAlone();
        }
    }

    public async Task<bool> RefreshCategoriesAsync(CancellationToken ct = default)
    {
        await WriteAloneAsync(ct);
        try
        {
            await using var conn = await dataSource.OpenConnectionAsync(ct);
            await using var tx = await conn.BeginTransactionAsync(ct);
            // Ingest elsewhere waits meanwhile: its category rows must apply to the new sums, not be lost in them.
            var stored = await PostgresCategoryRollups.FingerprintAsync(conn, tx, forUpdate: true, ct);
            await ExecuteAsync(conn, tx, $"LOCK TABLE {RollupTable.ContextHours.Name}, {RollupTable.ContextDays.Name} IN EXCLUSIVE MODE", ct);
            var rules = await PostgresCategoryRollups.LoadRulesAsync(conn, tx, ct);
            var rebuild = stored != rules.Fingerprint;
            if (rebuild) await PostgresCategoryRollups.RebuildAsync(conn, tx, rules, ct);
            await tx.CommitAsync(ct);
            _categories = rules;
            return rebuild;
        }
        finally
        {
            EndWriteAlone();
        }
    }

    public async Task RebuildRollupsAsync(CancellationToken ct = default)
    {
        await WriteAloneAsync(ct);
        try
        {
            await using var conn = await dataSource.OpenConnectionAsync(ct);
            await using var tx = await conn.BeginTransactionAsync(ct);
            // Ingest waits meanwhile: its rollup changes must apply to the rebuilt totals, not be lost in them.
            await PostgresCategoryRollups.FingerprintAsync(conn, tx, forUpdate: true, ct);
            await ExecuteAsync(conn, tx, $"LOCK TABLE {string.Join(", ", RollupTable.Names)}, device_overlaps IN EXCLUSIVE MODE", ct);
            var rules = await PostgresRollups.RebuildAsync(conn, tx, _partitions, ct);
            await tx.CommitAsync(ct);
            _categories = rules;
        }
        finally
        {
            EndWriteAlone();
        }
    }

    public async Task<RetentionResult> DeleteSpansBeforeAsync(DateTimeOffset cutoff, bool includingRollups, CancellationToken ct = default)
    {
        var cutoffMs = Retention.CutoffMs(cutoff);
        await WriteAloneAsync(ct);
        try
        {
            await using var conn = await dataSource.OpenConnectionAsync(ct);
            (long Spans, long Rollups, string? Vacuum) deleted;
            try
            {
                await using var tx = await conn.BeginTransactionAsync(ct);
                deleted = await PostgresRetention.DeleteAsync(conn, tx, _partitions, cutoffMs, includingRollups, ct);
                await tx.CommitAsync(ct);
            }
            finally
            {
                // Months were dropped (or, rolled back, created and gone again): ask the database again.
                _partitions.Forget();
            }
            // Outside the transaction (VACUUM cannot run in one): the space of the deleted rows is free again.
            if (deleted.Vacuum is { } partition) await ExecuteAsync(conn, null, $"VACUUM {partition}", ct);
            if (deleted.Rollups > 0) await ExecuteAsync(conn, null, $"VACUUM {string.Join(", ", RollupTable.Names)}", ct);
            return new RetentionResult(deleted.Spans, deleted.Rollups);
        }
        finally
        {
            EndWriteAlone();
        }
    }

    // ---- reports (IReportSource) ----

    private const string OnlyPersonFilter = "AND ($4::text IS NULL OR t.agent_key IN (SELECT a.key FROM agents a JOIN persons p ON p.id = a.person_id WHERE p.name = $4::text))";

    async Task<IReadOnlyDictionary<long, ReportAgent>> IReportSource.GetReportAgentsAsync(string? onlyPerson, CancellationToken ct)
    {
        var agents = new Dictionary<long, ReportAgent>();
        await using var conn = await dataSource.OpenConnectionAsync(ct);
        await using var cmd = Command(conn, null, """
            SELECT a.key, a.id, a.host, p.name, t.name FROM agents a JOIN persons p ON p.id = a.person_id
            LEFT JOIN team_members m ON m.person_id = p.id LEFT JOIN teams t ON t.id = m.team_id
            WHERE $1::text IS NULL OR p.name = $1::text
            """,
            (object?)onlyPerson ?? DBNull.Value);
        await using var r = await cmd.ExecuteReaderAsync(ct);
        while (await r.ReadAsync(ct)) agents[r.GetInt64(0)] = new ReportAgent(r.GetInt64(0), r.GetString(1), r.GetString(2), r.GetString(3), r.IsDBNull(4) ? null : r.GetString(4));
        return agents;
    }

    async Task<IReadOnlyList<RollupTotal>> IReportSource.GetRollupTotalsAsync(RollupGrain grain, IReadOnlyList<BucketRange> ranges, string? contextKey, string? onlyPerson, CancellationToken ct)
    {
        var rollup = RollupTable.Of(grain, contextKey is not null);
        var (table, bucket) = (rollup.Name, rollup.Bucket);
        var totals = new List<RollupTotal>();
        await using var conn = await dataSource.OpenConnectionAsync(ct);
        await using var cmd = Command(conn, null, contextKey is null
            ? $"""
              SELECT r.seg, t.agent_key, t.app, NULL::text, sum(t.ms)::bigint
              FROM unnest($1::int[], $2::bigint[], $3::bigint[]) AS r(seg, lo, hi) JOIN {table} t ON t.{bucket} >= r.lo AND t.{bucket} < r.hi
              WHERE $5::text IS NULL {OnlyPersonFilter}
              GROUP BY r.seg, t.agent_key, t.app
              """
            : $"""
              SELECT r.seg, t.agent_key, t.app, t.value, sum(t.ms)::bigint
              FROM unnest($1::int[], $2::bigint[], $3::bigint[]) AS r(seg, lo, hi) JOIN {table} t ON t.ckey = $5::text AND t.{bucket} >= r.lo AND t.{bucket} < r.hi
              WHERE true {OnlyPersonFilter}
              GROUP BY r.seg, t.agent_key, t.app, t.value
              """,
            ranges.Select(x => x.Segment).ToArray(), ranges.Select(x => x.From).ToArray(), ranges.Select(x => x.To).ToArray(),
            (object?)onlyPerson ?? DBNull.Value, (object?)contextKey ?? DBNull.Value);
        await using var r = await cmd.ExecuteReaderAsync(ct);
        while (await r.ReadAsync(ct))
            totals.Add(new RollupTotal(r.GetInt32(0), r.GetInt64(1), r.GetString(2), r.IsDBNull(3) ? null : r.GetString(3), r.GetInt64(4)));
        return totals;
    }

    async IAsyncEnumerable<RangeSpan> IReportSource.GetSpansAsync(IReadOnlyList<TimeRange> ranges, bool withContext, bool withTitle, string? onlyPerson, [EnumeratorCancellation] CancellationToken ct)
    {
        await using var conn = await dataSource.OpenConnectionAsync(ct);
        // Rows are at most MaxRowMs long: one overlapping [lo, hi) starts in [lo - MaxRowMs, hi), a range
        // of each agent's (agent_key, start_ms) index in the months it touches (pruned at run time).
        await using var cmd = Command(conn, null, $"""
            SELECT r.seg, t.agent_key, t.app, greatest(t.start_ms, r.lo), least(t.end_ms, r.hi), {(withContext ? "t.context" : "NULL::text")}, {(withTitle ? "t.title" : "NULL::text")}, false
            FROM unnest($1::int[], $2::bigint[], $3::bigint[]) AS r(seg, lo, hi)
            CROSS JOIN agents a
            -- OFFSET 0 keeps this a per-agent, per-range index scan: flattened, the planner may scan whole months.
            CROSS JOIN LATERAL (SELECT * FROM spans s
                                WHERE s.agent_key = a.key AND s.start_ms >= r.lo - {StoredSpans.MaxRowMs} AND s.start_ms < r.hi AND s.end_ms > r.lo OFFSET 0) t
            WHERE t.end_ms > t.start_ms AND t.state = {(int)SpanState.Active}
              AND ($4::text IS NULL OR a.person_id IN (SELECT id FROM persons WHERE name = $4::text))
            UNION ALL
            -- What another device of the person held, taken away (each row lies within one hour).
            SELECT r.seg, o.agent_key, o.app, greatest(o.start_ms, r.lo), least(o.end_ms, r.hi), {(withContext ? "o.context" : "NULL::text")}, {(withTitle ? "o.title" : "NULL::text")}, true
            FROM unnest($1::int[], $2::bigint[], $3::bigint[]) AS r(seg, lo, hi)
            CROSS JOIN agents a
            JOIN device_overlaps o ON o.agent_key = a.key AND o.start_ms >= r.lo - {StoredSpans.MaxRowMs} AND o.start_ms < r.hi AND o.end_ms > r.lo
            WHERE ($4::text IS NULL OR a.person_id IN (SELECT id FROM persons WHERE name = $4::text))
            """,
            ranges.Select(x => x.Segment).ToArray(), ranges.Select(x => x.FromMs).ToArray(), ranges.Select(x => x.ToMs).ToArray(),
            (object?)onlyPerson ?? DBNull.Value);
        await using var r = await cmd.ExecuteReaderAsync(ct);
        while (await r.ReadAsync(ct))
            yield return new RangeSpan(r.GetInt32(0), r.GetInt64(1), r.IsDBNull(2) ? null : r.GetString(2), r.GetInt64(3), r.GetInt64(4), r.IsDBNull(5) ? null : r.GetString(5), r.GetBoolean(7), r.IsDBNull(6) ? null : r.GetString(6));
    }

    public async Task PingAsync(CancellationToken ct = default)
    {
        await using var conn = await dataSource.OpenConnectionAsync(ct);
        await ExecuteAsync(conn, null, "SELECT 1", ct);
    }

    // A server restarting, a connection lost, a serialization failure: Npgsql knows which pass by themselves.
    public bool IsTransient(Exception error) => error switch
    {
        NpgsqlException { IsTransient: true } => true,
        // Connection exceptions, the server shutting down or starting, out of resources.
        PostgresException p => p.SqlState.StartsWith("08", StringComparison.Ordinal) || p.SqlState.StartsWith("57P", StringComparison.Ordinal)
                               || p.SqlState.StartsWith("53", StringComparison.Ordinal) || p.SqlState is "40001" or "40P01",
        NpgsqlException { InnerException: IOException or System.Net.Sockets.SocketException or TimeoutException } => true,
        _ => false,
    };

    /// <summary>Waits until no commit runs and none may start: maintenance writes see the store alone.</summary>
    private async Task WriteAloneAsync(CancellationToken ct)
    {
        await _exclusive.WaitAsync(ct);
        var taken = 0;
        try
        {
            for (; taken < _lanes; taken++) await _writeLock.WaitAsync(ct);
        }
        catch
        {
            if (taken > 0) _writeLock.Release(taken);
            _exclusive.Release();
            throw;
        }
    }

    private void EndWriteAlone()
    {
        _writeLock.Release(_lanes);
        _exclusive.Release();
    }

    public async ValueTask DisposeAsync()
    {
        _writeLock.Dispose();
        _exclusive.Dispose();
        await Task.CompletedTask;
    }

    private static async Task ExecuteAsync(NpgsqlConnection conn, NpgsqlTransaction? tx, string sql, CancellationToken ct, params object?[] args)
    {
        await using var cmd = Command(conn, tx, sql, args);
        await cmd.ExecuteNonQueryAsync(ct);
    }

    private static NpgsqlCommand Command(NpgsqlConnection conn, NpgsqlTransaction? tx, string sql, params object?[] args)
    {
        var cmd = new NpgsqlCommand(sql, conn, tx);
        foreach (var a in args) cmd.Parameters.Add(new NpgsqlParameter { Value = a is string s ? PostgresAccounts.Storable(s) : a ?? DBNull.Value });
        return cmd;
    }
}
