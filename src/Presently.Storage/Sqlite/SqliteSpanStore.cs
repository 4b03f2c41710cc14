using System.Globalization;
using Microsoft.Data.Sqlite;
using System.Runtime.CompilerServices;
using System.Text;
using Presently.Protocol;
using Presently.Storage.Categories;
using Presently.Storage.Ingest;
using Presently.Storage.Reports;
using Presently.Storage.Rollups;

namespace Presently.Storage.Sqlite;

/// <summary>
/// The embedded store: one SQLite file in WAL mode with <c>synchronous=FULL</c>, so a commit that
/// returned is on disk. Writes are serialised on one connection; reads open their own.
/// </summary>
public sealed class SqliteSpanStore : ISpanStore, IReportSource
{
    private readonly string _connectionString;
    private readonly SemaphoreSlim _writeLock = new(1, 1);
    private SqliteConnection? _writer;

    /// <summary>The category rules ingest and reports use: loaded from the store when first needed, replaced by <see cref="RefreshCategoriesAsync"/>.</summary>
    private volatile CategoryRules? _categories;

    private readonly StoreLimits _limits;

    public SqliteSpanStore(string databasePath, StoreLimits? limits = null)
    {
        _limits = limits ?? StoreLimits.None;
        DatabasePath = Path.GetFullPath(databasePath);
        _connectionString = new SqliteConnectionStringBuilder
        {
            DataSource = DatabasePath,
            Mode = SqliteOpenMode.ReadWriteCreate,
            Pooling = true,
            DefaultTimeout = 30,
        }.ToString();
    }

    public string DatabasePath { get; }

    public async Task InitializeAsync(CancellationToken ct = default)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(DatabasePath)!);
        _writer = new SqliteConnection(_connectionString);
        await _writer.OpenAsync(ct);
        await ExecuteAsync(_writer, "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON;", ct);

        var version = Convert.ToInt32(await ScalarAsync(_writer, "PRAGMA user_version;", ct), CultureInfo.InvariantCulture);
        for (var i = version; i < SqliteSchema.Migrations.Length; i++)
        {
            await using var tx = (SqliteTransaction)await _writer.BeginTransactionAsync(ct);
            await ExecuteAsync(_writer, SqliteSchema.Migrations[i].Sql, ct, tx);
            if (SqliteSchema.Migrations[i].Then is { } then) await then(_writer, tx, ct);
            await ExecuteAsync(_writer, $"PRAGMA user_version={i + 1};", ct, tx);
            await tx.CommitAsync(ct);
        }
    }

    public async Task<AgentRegistered?> RegisterAgentAsync(AgentRegistration r, bool sharedCredential, CancellationToken ct = default)
    {
        var writer = Writer;
        await _writeLock.WaitAsync(ct);
        try
        {
            await using var tx = (SqliteTransaction)await writer.BeginTransactionAsync(ct);
            if (sharedCredential)
            {
                await using var create = writer.CreateCommand();
                create.Transaction = tx;
                create.CommandText = """
                    INSERT INTO persons(name) VALUES ($person) ON CONFLICT(name) DO NOTHING;
                    INSERT INTO agents(id, person_id, host, os, agent_version, capabilities, first_seen_ms, last_seen_ms)
                    VALUES ($id, (SELECT id FROM persons WHERE name = $person), $host, $os, $version, '', $seen, $seen)
                    ON CONFLICT(id) DO NOTHING;
                    """;
                create.Parameters.AddWithValue("$id", r.AgentId);
                create.Parameters.AddWithValue("$person", r.PersonName);
                create.Parameters.AddWithValue("$host", r.Host);
                create.Parameters.AddWithValue("$os", r.Os);
                create.Parameters.AddWithValue("$version", r.AgentVersion);
                create.Parameters.AddWithValue("$seen", r.SeenAt.ToUnixTimeMilliseconds());
                await create.ExecuteNonQueryAsync(ct);
            }

            // Only an active agent is let in, checked in the same transaction that records its
            // Hello: a block or removal committed before this can never be undone by it.
            await using var cmd = writer.CreateCommand();
            cmd.Transaction = tx;
            cmd.CommandText = """
                UPDATE agents SET host = $host, os = $os, agent_version = $version, capabilities = $caps,
                    last_seen_ms = $seen, clock_offset_ms = $offset
                WHERE id = $id AND status = 'active' AND ($shared = 0 OR credential_hash IS NULL)
                RETURNING highest_seq, first_seen_ms;
                """;
            cmd.Parameters.AddWithValue("$shared", sharedCredential ? 1 : 0);
            cmd.Parameters.AddWithValue("$id", r.AgentId);
            cmd.Parameters.AddWithValue("$host", r.Host);
            cmd.Parameters.AddWithValue("$os", r.Os);
            cmd.Parameters.AddWithValue("$version", r.AgentVersion);
            cmd.Parameters.AddWithValue("$caps", string.Join(',', r.Capabilities));
            cmd.Parameters.AddWithValue("$seen", r.SeenAt.ToUnixTimeMilliseconds());
            cmd.Parameters.AddWithValue("$offset", r.ClockOffsetMs);
            AgentRegistered? registered = null;
            await using (var reader = await cmd.ExecuteReaderAsync(ct))
            {
                if (await reader.ReadAsync(ct)) registered = new AgentRegistered(reader.GetInt64(0), Instants.FromMs(reader.GetInt64(1)));
            }
            await tx.CommitAsync(ct);
            return registered;
        }
        finally
        {
            _writeLock.Release();
        }
    }

    public async Task<IReadOnlyList<CommitOutcome>> CommitAsync(IReadOnlyList<IngestBatch> batches, CancellationToken ct = default)
    {
        if (batches.Count == 0) return [];
        var writer = Writer;
        await _writeLock.WaitAsync(ct);
        try
        {
            await using var tx = (SqliteTransaction)await writer.BeginTransactionAsync(ct);
            CommitOutcome[] outcomes;
            var rollups = new RollupDelta(_categories ??= await SqliteCategoryRollups.LoadRulesAsync(writer, tx, ct));
            await using (var target = new SqliteIngest(writer, tx))
            {
                outcomes = await new SpanIngest(target, _limits, rollups).StoreAllAsync(batches, ct);
            }
            await SqliteRollups.ApplyAsync(writer, tx, rollups, ct);
            await tx.CommitAsync(ct);
            return outcomes;
        }
        finally
        {
            _writeLock.Release();
        }
    }

    public async Task<IReadOnlyList<QuotaUse>> GetQuotaUseAsync(DateTimeOffset since, long atLeastBytes, long atLeastSpans, CancellationToken ct = default)
    {
        await using var conn = await OpenReaderAsync(ct);
        await using var cmd = conn.CreateCommand();
        cmd.CommandText = """
            SELECT a.id, p.name, a.host, u.day, u.bytes, u.spans
            FROM agent_usage u JOIN agents a ON a.key = u.agent_key JOIN persons p ON p.id = a.person_id
            WHERE u.day >= $since AND (u.bytes >= $bytes OR u.spans >= $spans) AND a.status != 'removed'
            ORDER BY u.day DESC, u.bytes DESC LIMIT 100;
            """;
        cmd.Parameters.AddWithValue("$since", since.ToUnixTimeMilliseconds() / 86_400_000);
        cmd.Parameters.AddWithValue("$bytes", atLeastBytes);
        cmd.Parameters.AddWithValue("$spans", atLeastSpans);
        var result = new List<QuotaUse>();
        await using var r = await cmd.ExecuteReaderAsync(ct);
        while (await r.ReadAsync(ct))
            result.Add(new QuotaUse(r.GetString(0), r.GetString(1), r.GetString(2),
                DateOnly.FromDayNumber(DateOnly.FromDateTime(DateTime.UnixEpoch).DayNumber + (int)Math.Clamp(r.GetInt64(3), 0, 2_000_000)), r.GetInt64(4), r.GetInt64(5)));
        return result;
    }

    public async Task<IReadOnlyList<AgentSummary>> ListAgentsAsync(CancellationToken ct = default)
    {
        await using var conn = await OpenReaderAsync(ct);
        await using var cmd = conn.CreateCommand();
        cmd.CommandText = """
            SELECT a.id, p.name, a.host, a.os, a.agent_version, a.highest_seq, a.last_seen_ms, a.clock_offset_ms,
                   s.span_id, s.seq, s.start_ms, s.end_ms, s.state, s.app, s.title, s.context
            FROM agents a
            JOIN persons p ON p.id = a.person_id
            LEFT JOIN (SELECT agent_key, span_id, seq, min(start_ms) AS start_ms, max(end_ms) AS end_ms, state, app, title, context
                       FROM spans GROUP BY agent_key, span_id) s ON s.agent_key = a.key
                AND s.span_id = (SELECT max(span_id) FROM spans WHERE agent_key = a.key)
            WHERE a.status != 'removed'
            ORDER BY p.name, a.host;
            """;
        var result = new List<AgentSummary>();
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

    public async Task<ReportResult> RunReportAsync(ReportRequest request, CancellationToken ct = default)
    {
        if (_categories is null)
        {
            await using var conn = await OpenReaderAsync(ct);
            _categories ??= await SqliteCategoryRollups.LoadRulesAsync(conn, null, ct);
        }
        return await RollupReport.RunAsync(this, request, _categories, ct);
    }

    public async Task RecountPeopleAsync(IReadOnlyList<long> personIds, CancellationToken ct = default)
    {
        var writer = Writer;
        await _writeLock.WaitAsync(ct);
        try
        {
            await using var tx = (SqliteTransaction)await writer.BeginTransactionAsync(ct);
            var rollups = new RollupDelta(_categories ??= await SqliteCategoryRollups.LoadRulesAsync(writer, tx, ct));
            await using (var target = new SqliteIngest(writer, tx)) await DeviceOverlaps.RecountPeopleAsync(target, personIds, rollups, ct);
            await SqliteRollups.ApplyAsync(writer, tx, rollups, ct);
            await tx.CommitAsync(ct);
        }
        finally
        {
            _writeLock.Release();
        }
    }

    public async Task<bool> RefreshCategoriesAsync(CancellationToken ct = default)
    {
        var writer = Writer;
        await _writeLock.WaitAsync(ct);
        try
        {
            await using var tx = (SqliteTransaction)await writer.BeginTransactionAsync(ct);
            var rules = await SqliteCategoryRollups.LoadRulesAsync(writer, tx, ct);
            var rebuild = await SqliteCategoryRollups.FingerprintAsync(writer, tx, ct) != rules.Fingerprint;
            if (rebuild) await SqliteCategoryRollups.RebuildAsync(writer, tx, rules, ct);
            await tx.CommitAsync(ct);
            _categories = rules;
            return rebuild;
        }
        finally
        {
            _writeLock.Release();
        }
    }

    public async Task RebuildRollupsAsync(CancellationToken ct = default)
    {
        var writer = Writer;
        await _writeLock.WaitAsync(ct);
        try
        {
            await using var tx = (SqliteTransaction)await writer.BeginTransactionAsync(ct);
            var rules = await SqliteRollups.RebuildAsync(writer, tx, ct, withOverlaps: true);
            await tx.CommitAsync(ct);
            _categories = rules;
        }
        finally
        {
            _writeLock.Release();
        }
    }

    public async Task<RetentionResult> DeleteSpansBeforeAsync(DateTimeOffset cutoff, bool includingRollups, CancellationToken ct = default)
    {
        var cutoffMs = Retention.CutoffMs(cutoff);
        var writer = Writer;
        await _writeLock.WaitAsync(ct);
        try
        {
            // Freed pages are overwritten with zeros, not just marked free: deleted means gone from the file.
            await ExecuteAsync(writer, "PRAGMA secure_delete = ON;", ct);
            try
            {
                (long Spans, long Rollups) deleted;
                await using (var tx = (SqliteTransaction)await writer.BeginTransactionAsync(ct))
                {
                    deleted = await SqliteRetention.DeleteAsync(writer, tx, cutoffMs, includingRollups, ct);
                    await tx.CommitAsync(ct);
                }
                if (deleted.Spans + deleted.Rollups > 0)
                {
                    // Into the file, then rewritten without the free pages (through the WAL), and the
                    // WAL emptied again: the file shrinks and keeps no copy of what went.
                    await ExecuteAsync(writer, "PRAGMA wal_checkpoint(TRUNCATE);", ct);
                    await ExecuteAsync(writer, "VACUUM;", ct);
                    await ExecuteAsync(writer, "PRAGMA wal_checkpoint(TRUNCATE);", ct);
                }
                return new RetentionResult(deleted.Spans, deleted.Rollups);
            }
            finally
            {
                await ExecuteAsync(writer, "PRAGMA secure_delete = OFF;", CancellationToken.None);
            }
        }
        finally
        {
            _writeLock.Release();
        }
    }

    // ---- reports (IReportSource) ----

    private const string OnlyPersonFilter = "AND ($person IS NULL OR t.agent_key IN (SELECT a.key FROM agents a JOIN persons p ON p.id = a.person_id WHERE p.name = $person))";

    async Task<IReadOnlyDictionary<long, ReportAgent>> IReportSource.GetReportAgentsAsync(string? onlyPerson, CancellationToken ct)
    {
        await using var conn = await OpenReaderAsync(ct);
        await using var cmd = conn.CreateCommand();
        cmd.CommandText = """
            SELECT a.key, a.id, a.host, p.name, t.name FROM agents a JOIN persons p ON p.id = a.person_id
            LEFT JOIN team_members m ON m.person_id = p.id LEFT JOIN teams t ON t.id = m.team_id
            WHERE $person IS NULL OR p.name = $person;
            """;
        cmd.Parameters.AddWithValue("$person", (object?)onlyPerson ?? DBNull.Value);
        var agents = new Dictionary<long, ReportAgent>();
        await using var r = await cmd.ExecuteReaderAsync(ct);
        while (await r.ReadAsync(ct)) agents[r.GetInt64(0)] = new ReportAgent(r.GetInt64(0), r.GetString(1), r.GetString(2), r.GetString(3), r.IsDBNull(4) ? null : r.GetString(4));
        return agents;
    }

    async Task<IReadOnlyList<RollupTotal>> IReportSource.GetRollupTotalsAsync(RollupGrain grain, IReadOnlyList<BucketRange> ranges, string? contextKey, string? onlyPerson, CancellationToken ct)
    {
        var rollup = RollupTable.Of(grain, contextKey is not null);
        var (table, bucket) = (rollup.Name, rollup.Bucket);
        await using var conn = await OpenReaderAsync(ct);
        await using var cmd = conn.CreateCommand();
        var values = Ranges(cmd, ranges.Select(r => (r.Segment, r.From, r.To)).ToList());
        // The ranges drive the join: each is a range scan of the rollup's primary key.
        cmd.CommandText = contextKey is null
            ? $"""
              WITH r(seg, lo, hi) AS (VALUES {values})
              SELECT r.seg, t.agent_key, t.app, NULL, sum(t.ms) FROM r CROSS JOIN {table} t
              WHERE t.{bucket} >= r.lo AND t.{bucket} < r.hi {OnlyPersonFilter}
              GROUP BY r.seg, t.agent_key, t.app;
              """
            : $"""
              WITH r(seg, lo, hi) AS (VALUES {values})
              SELECT r.seg, t.agent_key, t.app, t.value, sum(t.ms) FROM r CROSS JOIN {table} t
              WHERE t.ckey = $ckey AND t.{bucket} >= r.lo AND t.{bucket} < r.hi {OnlyPersonFilter}
              GROUP BY r.seg, t.agent_key, t.app, t.value;
              """;
        cmd.Parameters.AddWithValue("$ckey", (object?)contextKey ?? DBNull.Value);
        cmd.Parameters.AddWithValue("$person", (object?)onlyPerson ?? DBNull.Value);
        var totals = new List<RollupTotal>();
        await using var r = await cmd.ExecuteReaderAsync(ct);
        while (await r.ReadAsync(ct))
            totals.Add(new RollupTotal(r.GetInt32(0), r.GetInt64(1), r.GetString(2), r.IsDBNull(3) ? null : r.GetString(3), r.GetInt64(4)));
        return totals;
    }

    async IAsyncEnumerable<RangeSpan> IReportSource.GetSpansAsync(IReadOnlyList<TimeRange> ranges, bool withContext, bool withTitle, string? onlyPerson, [EnumeratorCancellation] CancellationToken ct)
    {
        await using var conn = await OpenReaderAsync(ct);
        await using var cmd = conn.CreateCommand();
        var values = Ranges(cmd, ranges.Select(r => (r.Segment, r.FromMs, r.ToMs)).ToList());
        // Rows are at most MaxRowMs long: one overlapping [lo, hi) starts in [lo - MaxRowMs, hi), a range
        // of each agent's (agent_key, start_ms) index.
        cmd.CommandText = $"""
            WITH r(seg, lo, hi) AS (VALUES {values})
            SELECT r.seg, t.agent_key, t.app, max(t.start_ms, r.lo), min(t.end_ms, r.hi), {(withContext ? "t.context" : "NULL")}, {(withTitle ? "t.title" : "NULL")}, 0
            FROM r CROSS JOIN agents a CROSS JOIN spans t
            WHERE t.agent_key = a.key AND t.start_ms >= r.lo - {StoredSpans.MaxRowMs} AND t.start_ms < r.hi AND t.end_ms > r.lo
              AND t.end_ms > t.start_ms AND t.state = $active
              AND ($person IS NULL OR a.person_id IN (SELECT id FROM persons WHERE name = $person))
            UNION ALL
            -- What another device of the person held, taken away (each row lies within one hour).
            SELECT r.seg, o.agent_key, o.app, max(o.start_ms, r.lo), min(o.end_ms, r.hi), {(withContext ? "o.context" : "NULL")}, {(withTitle ? "o.title" : "NULL")}, 1
            FROM r CROSS JOIN agents a CROSS JOIN device_overlaps o
            WHERE o.agent_key = a.key AND o.start_ms >= r.lo - {StoredSpans.MaxRowMs} AND o.start_ms < r.hi AND o.end_ms > r.lo
              AND ($person IS NULL OR a.person_id IN (SELECT id FROM persons WHERE name = $person));
            """;
        cmd.Parameters.AddWithValue("$active", (int)SpanState.Active);
        cmd.Parameters.AddWithValue("$person", (object?)onlyPerson ?? DBNull.Value);
        await using var r = await cmd.ExecuteReaderAsync(ct);
        while (await r.ReadAsync(ct))
            yield return new RangeSpan(r.GetInt32(0), r.GetInt64(1), r.IsDBNull(2) ? null : r.GetString(2), r.GetInt64(3), r.GetInt64(4), r.IsDBNull(5) ? null : r.GetString(5), r.GetBoolean(7), r.IsDBNull(6) ? null : r.GetString(6));
    }

    /// <summary>Binds the ranges as parameters and returns the VALUES rows naming them.</summary>
    private static string Ranges(SqliteCommand cmd, IReadOnlyList<(int Segment, long From, long To)> ranges)
    {
        var sql = new StringBuilder();
        for (var i = 0; i < ranges.Count; i++)
        {
            if (i > 0) sql.Append(", ");
            sql.Append($"($s{i}, $f{i}, $t{i})");
            cmd.Parameters.AddWithValue($"$s{i}", ranges[i].Segment);
            cmd.Parameters.AddWithValue($"$f{i}", ranges[i].From);
            cmd.Parameters.AddWithValue($"$t{i}", ranges[i].To);
        }
        return sql.ToString();
    }

    public async Task<IReadOnlyList<StoredSpan>> GetSpansAsync(string agentId, CancellationToken ct = default)
    {
        await using var conn = await OpenReaderAsync(ct);
        await using var cmd = conn.CreateCommand();
        cmd.CommandText = """
            SELECT s.span_id, s.seq, min(s.start_ms), max(s.end_ms), s.state, s.app, s.title, s.context
            FROM spans s JOIN agents a ON a.key = s.agent_key
            WHERE a.id = $agent GROUP BY s.span_id ORDER BY min(s.start_ms), s.span_id;
            """;
        cmd.Parameters.AddWithValue("$agent", agentId);
        var result = new List<StoredSpan>();
        await using var r = await cmd.ExecuteReaderAsync(ct);
        while (await r.ReadAsync(ct)) result.Add(ReadSpan(r, agentId, 0));
        return result;
    }

    public async Task<IReadOnlyList<StoredSpan>> GetPersonSpansAsync(string person, DateTimeOffset from, DateTimeOffset to, int maxSpans, CancellationToken ct = default)
    {
        await using var conn = await OpenReaderAsync(ct);
        await using var cmd = conn.CreateCommand();
        // Parts start at most an hour before the period when they reach into it (StoredSpans).
        cmd.CommandText = """
            SELECT a.id, s.span_id, s.seq, s.start_ms, s.end_ms, s.state, s.app, s.title, s.context
            FROM persons p JOIN agents a ON a.person_id = p.id JOIN spans s ON s.agent_key = a.key
            WHERE p.name = $person AND s.start_ms >= $lookback AND s.start_ms < $to AND s.end_ms > $from
            ORDER BY a.id, s.span_id, s.part;
            """;
        cmd.Parameters.AddWithValue("$person", person);
        cmd.Parameters.AddWithValue("$from", from.ToUnixTimeMilliseconds());
        cmd.Parameters.AddWithValue("$to", to.ToUnixTimeMilliseconds());
        cmd.Parameters.AddWithValue("$lookback", from.ToUnixTimeMilliseconds() - StoredSpans.MaxRowMs);
        var parts = new List<StoredSpan>();
        await using var r = await cmd.ExecuteReaderAsync(ct);
        while (await r.ReadAsync(ct)) parts.Add(ReadSpan(r, r.GetString(0), 1));
        return StoredSpans.Join(parts, maxSpans);
    }

    public async Task PingAsync(CancellationToken ct = default)
    {
        await using var conn = await OpenReaderAsync(ct);
        await ScalarAsync(conn, "SELECT 1;", ct);
    }

    // Busy or locked: another process holds the file for a moment. Anything else will not pass by itself.
    public bool IsTransient(Exception error) => error is SqliteException { SqliteErrorCode: 5 or 6 };

    public async ValueTask DisposeAsync()
    {
        if (_writer is not null) await _writer.DisposeAsync();
        _writeLock.Dispose();
    }

    private SqliteConnection Writer => _writer ?? throw new InvalidOperationException("InitializeAsync has not run");

    private static StoredSpan ReadSpan(SqliteDataReader r, string agentId, int o) => new(
        agentId,
        r.GetInt64(o),
        r.GetInt64(o + 1),
        Instants.FromMs(r.GetInt64(o + 2)),
        Instants.FromMs(r.GetInt64(o + 3)),
        (SpanState)r.GetInt32(o + 4),
        r.IsDBNull(o + 5) ? null : r.GetString(o + 5),
        r.IsDBNull(o + 6) ? null : r.GetString(o + 6),
        r.IsDBNull(o + 7) ? null : SpanContext.FromJson(r.GetString(o + 7)));

    private async Task<SqliteConnection> OpenReaderAsync(CancellationToken ct)
    {
        var conn = new SqliteConnection(_connectionString);
        await conn.OpenAsync(ct);
        return conn;
    }

    private static async Task ExecuteAsync(SqliteConnection c, string sql, CancellationToken ct, SqliteTransaction? tx = null)
    {
        await using var cmd = c.CreateCommand();
        cmd.Transaction = tx;
        cmd.CommandText = sql;
        await cmd.ExecuteNonQueryAsync(ct);
    }

    private static async Task<object?> ScalarAsync(SqliteConnection c, string sql, CancellationToken ct)
    {
        await using var cmd = c.CreateCommand();
        cmd.CommandText = sql;
        return await cmd.ExecuteScalarAsync(ct);
    }
}
