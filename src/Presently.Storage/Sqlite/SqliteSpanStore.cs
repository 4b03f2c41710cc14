using System.Globalization;
using Microsoft.Data.Sqlite;
using Presently.Protocol;

namespace Presently.Storage.Sqlite;

/// <summary>
/// The embedded store: one SQLite file in WAL mode with <c>synchronous=FULL</c>, so a commit that
/// returned is on disk. Writes are serialised on one connection; reads open their own.
/// </summary>
public sealed class SqliteSpanStore : ISpanStore
{
    private readonly string _connectionString;
    private readonly SemaphoreSlim _writeLock = new(1, 1);
    private SqliteConnection? _writer;

    public SqliteSpanStore(string databasePath)
    {
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
            await ExecuteAsync(_writer, SqliteSchema.Migrations[i], ct, tx);
            await ExecuteAsync(_writer, $"PRAGMA user_version={i + 1};", ct, tx);
            await tx.CommitAsync(ct);
        }
    }

    public async Task<long> RegisterAgentAsync(AgentRegistration r, CancellationToken ct = default)
    {
        var writer = Writer;
        await _writeLock.WaitAsync(ct);
        try
        {
            await using var tx = (SqliteTransaction)await writer.BeginTransactionAsync(ct);
            await using (var person = writer.CreateCommand())
            {
                person.Transaction = tx;
                person.CommandText = "INSERT INTO persons(name) VALUES ($name) ON CONFLICT(name) DO NOTHING;";
                person.Parameters.AddWithValue("$name", r.PersonName);
                await person.ExecuteNonQueryAsync(ct);
            }

            await using var cmd = writer.CreateCommand();
            cmd.Transaction = tx;
            cmd.CommandText = """
                INSERT INTO agents(id, person_id, host, os, agent_version, capabilities, first_seen_ms, last_seen_ms, clock_offset_ms)
                VALUES ($id, (SELECT id FROM persons WHERE name = $person), $host, $os, $version, $caps, $seen, $seen, $offset)
                ON CONFLICT(id) DO UPDATE SET
                    host = excluded.host, os = excluded.os, agent_version = excluded.agent_version,
                    capabilities = excluded.capabilities, last_seen_ms = excluded.last_seen_ms,
                    clock_offset_ms = excluded.clock_offset_ms
                RETURNING highest_seq;
                """;
            cmd.Parameters.AddWithValue("$id", r.AgentId);
            cmd.Parameters.AddWithValue("$person", r.PersonName);
            cmd.Parameters.AddWithValue("$host", r.Host);
            cmd.Parameters.AddWithValue("$os", r.Os);
            cmd.Parameters.AddWithValue("$version", r.AgentVersion);
            cmd.Parameters.AddWithValue("$caps", string.Join(',', r.Capabilities));
            cmd.Parameters.AddWithValue("$seen", r.SeenAt.ToUnixTimeMilliseconds());
            cmd.Parameters.AddWithValue("$offset", r.ClockOffsetMs);
            var highest = (long)(await cmd.ExecuteScalarAsync(ct))!;
            await tx.CommitAsync(ct);
            return highest;
        }
        finally
        {
            _writeLock.Release();
        }
    }

    public async Task CommitAsync(IReadOnlyList<IngestBatch> batches, CancellationToken ct = default)
    {
        if (batches.Count == 0) return;
        var writer = Writer;
        await _writeLock.WaitAsync(ct);
        try
        {
            await using var tx = (SqliteTransaction)await writer.BeginTransactionAsync(ct);
            await using var upsert = writer.CreateCommand();
            upsert.Transaction = tx;
            // A version with a lower seq than the stored one is an old replay: it must not win.
            upsert.CommandText = """
                INSERT INTO spans(agent_key, span_id, seq, start_ms, end_ms, state, app, title, context)
                VALUES ($key, $span, $seq, $start, $end, $state, $app, $title, $context)
                ON CONFLICT(agent_key, span_id) DO UPDATE SET
                    seq = excluded.seq, start_ms = excluded.start_ms, end_ms = excluded.end_ms, state = excluded.state,
                    app = excluded.app, title = excluded.title, context = excluded.context
                WHERE excluded.seq > spans.seq;
                """;
            var pKey = upsert.Parameters.Add("$key", SqliteType.Integer);
            var pSpan = upsert.Parameters.Add("$span", SqliteType.Integer);
            var pSeq = upsert.Parameters.Add("$seq", SqliteType.Integer);
            var pStart = upsert.Parameters.Add("$start", SqliteType.Integer);
            var pEnd = upsert.Parameters.Add("$end", SqliteType.Integer);
            var pState = upsert.Parameters.Add("$state", SqliteType.Integer);
            var pApp = upsert.Parameters.Add("$app", SqliteType.Text);
            var pTitle = upsert.Parameters.Add("$title", SqliteType.Text);
            var pContext = upsert.Parameters.Add("$context", SqliteType.Text);
            upsert.Prepare();

            await using var raise = writer.CreateCommand();
            raise.Transaction = tx;
            raise.CommandText = "UPDATE agents SET highest_seq = max(highest_seq, $seq) WHERE id = $agent;";
            var rAgent = raise.Parameters.Add("$agent", SqliteType.Text);
            var rSeq = raise.Parameters.Add("$seq", SqliteType.Integer);
            raise.Prepare();

            // The agent's row key is looked up once per batch, not once per span.
            await using var lookup = writer.CreateCommand();
            lookup.Transaction = tx;
            lookup.CommandText = "SELECT key FROM agents WHERE id = $agent;";
            var lAgent = lookup.Parameters.Add("$agent", SqliteType.Text);
            lookup.Prepare();

            foreach (var batch in batches)
            {
                lAgent.Value = batch.AgentId;
                // An agent removed (with its data) while its batch waited: nothing of it may be stored.
                if (await lookup.ExecuteScalarAsync(ct) is not long key) continue;
                pKey.Value = key;
                foreach (var s in batch.Spans)
                {
                    pSpan.Value = s.SpanId;
                    pSeq.Value = s.Seq;
                    pStart.Value = s.StartMs;
                    pEnd.Value = s.EndMs;
                    pState.Value = (int)s.State;
                    pApp.Value = (object?)s.App ?? DBNull.Value;
                    pTitle.Value = (object?)s.Title ?? DBNull.Value;
                    pContext.Value = (object?)s.Context ?? DBNull.Value;
                    await upsert.ExecuteNonQueryAsync(ct);
                }

                rAgent.Value = batch.AgentId;
                rSeq.Value = batch.HighestSeq;
                await raise.ExecuteNonQueryAsync(ct);
            }

            await tx.CommitAsync(ct);
        }
        finally
        {
            _writeLock.Release();
        }
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
            LEFT JOIN spans s ON s.agent_key = a.key
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
                r.GetInt64(5), DateTimeOffset.FromUnixTimeMilliseconds(r.GetInt64(6)), r.GetInt64(7), last));
        }
        return result;
    }

    public async Task<IReadOnlyList<ReportSpan>> GetActiveSpansAsync(DateTimeOffset from, DateTimeOffset to, CancellationToken ct = default)
    {
        await using var conn = await OpenReaderAsync(ct);
        await using var cmd = conn.CreateCommand();
        cmd.CommandText = """
            SELECT p.name, a.id, a.host, s.app, s.start_ms, s.end_ms
            FROM spans s
            JOIN agents a ON a.key = s.agent_key
            JOIN persons p ON p.id = a.person_id
            WHERE s.end_ms > $from AND s.start_ms < $to AND s.state = $active;
            """;
        cmd.Parameters.AddWithValue("$from", from.ToUnixTimeMilliseconds());
        cmd.Parameters.AddWithValue("$to", to.ToUnixTimeMilliseconds());
        cmd.Parameters.AddWithValue("$active", (int)SpanState.Active);
        var result = new List<ReportSpan>();
        await using var r = await cmd.ExecuteReaderAsync(ct);
        while (await r.ReadAsync(ct))
        {
            result.Add(new ReportSpan(r.GetString(0), r.GetString(1), r.GetString(2),
                r.IsDBNull(3) ? null : r.GetString(3), r.GetInt64(4), r.GetInt64(5)));
        }
        return result;
    }

    public async Task<IReadOnlyList<StoredSpan>> GetSpansAsync(string agentId, CancellationToken ct = default)
    {
        await using var conn = await OpenReaderAsync(ct);
        await using var cmd = conn.CreateCommand();
        cmd.CommandText = """
            SELECT s.span_id, s.seq, s.start_ms, s.end_ms, s.state, s.app, s.title, s.context
            FROM spans s JOIN agents a ON a.key = s.agent_key
            WHERE a.id = $agent ORDER BY s.start_ms, s.span_id;
            """;
        cmd.Parameters.AddWithValue("$agent", agentId);
        var result = new List<StoredSpan>();
        await using var r = await cmd.ExecuteReaderAsync(ct);
        while (await r.ReadAsync(ct)) result.Add(ReadSpan(r, agentId, 0));
        return result;
    }

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
        DateTimeOffset.FromUnixTimeMilliseconds(r.GetInt64(o + 2)),
        DateTimeOffset.FromUnixTimeMilliseconds(r.GetInt64(o + 3)),
        (SpanState)r.GetInt32(o + 4),
        r.IsDBNull(o + 5) ? null : r.GetString(o + 5),
        r.IsDBNull(o + 6) ? null : r.GetString(o + 6),
        r.IsDBNull(o + 7) ? null : r.GetString(o + 7));

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
