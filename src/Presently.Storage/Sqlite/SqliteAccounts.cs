using Microsoft.Data.Sqlite;
using Presently.Storage.Rollups;

namespace Presently.Storage.Sqlite;

/// <summary>
/// People, enrollment, agent credentials and the audit log in the same SQLite file as the spans.
/// These writes are rare; each opens its own connection and SQLite serialises them with the ingest writer.
/// </summary>
public sealed partial class SqliteAccounts : IAccountStore, IAgentRegistry, IAuditLog, ITeamStore
{
    private readonly string _connectionString;
    private readonly TimeProvider _time;

    public SqliteAccounts(string databasePath, TimeProvider? time = null)
    {
        _time = time ?? TimeProvider.System;
        _connectionString = new SqliteConnectionStringBuilder
        {
            DataSource = Path.GetFullPath(databasePath),
            Mode = SqliteOpenMode.ReadWrite,
            Pooling = true,
            DefaultTimeout = 30,
        }.ToString();
    }

    // ---- people ----

    private const string PersonColumns = "id, name, role, password_hash, security_stamp, email, oidc_issuer, oidc_subject";

    // A fresh random stamp, made by SQLite so every writer gets one the same way.
    private const string NewStamp = "lower(hex(randomblob(16)))";

    public Task<Person?> FindPersonAsync(string name, CancellationToken ct = default) =>
        QuerySingleAsync($"SELECT {PersonColumns} FROM persons WHERE name = $p0", ReadPerson, ct, name);

    public Task<Person?> GetPersonAsync(long id, CancellationToken ct = default) =>
        QuerySingleAsync($"SELECT {PersonColumns} FROM persons WHERE id = $p0", ReadPerson, ct, id);

    public async Task<IReadOnlyList<Person>> ListPeopleAsync(CancellationToken ct = default) =>
        await QueryAsync($"SELECT {PersonColumns} FROM persons ORDER BY name", ReadPerson, ct);

    public async Task<Person> SavePersonAsync(string name, Role role, string? passwordHash, CancellationToken ct = default)
    {
        await ExecuteAsync($"""
            INSERT INTO persons(name, role, password_hash, created_ms, security_stamp) VALUES ($p0, $p1, $p2, $p3, {NewStamp})
            ON CONFLICT(name) DO UPDATE SET role = excluded.role, password_hash = coalesce(excluded.password_hash, persons.password_hash),
                security_stamp = CASE WHEN persons.role != excluded.role OR excluded.password_hash IS NOT NULL THEN excluded.security_stamp ELSE persons.security_stamp END
            """, ct, name, RoleName(role), passwordHash, _time.GetUtcNow().ToUnixTimeMilliseconds());
        return (await FindPersonAsync(name, ct))!;
    }

    public Task SetPasswordAsync(long personId, string passwordHash, CancellationToken ct = default) =>
        ExecuteAsync($"UPDATE persons SET password_hash = $p1, security_stamp = {NewStamp} WHERE id = $p0", ct, personId, passwordHash);

    public async Task<bool> UpdatePersonAsync(long personId, Role role, string? email, CancellationToken ct = default) =>
        await ExecuteAsync($"""
            UPDATE persons SET
                -- A new role, or a new e-mail (which unbinds the single sign-on account), ends every session.
                security_stamp = CASE WHEN role != $p1 OR email IS NOT $p2 THEN {NewStamp} ELSE security_stamp END,
                oidc_issuer = CASE WHEN email IS $p2 THEN oidc_issuer END,
                oidc_subject = CASE WHEN email IS $p2 THEN oidc_subject END,
                role = $p1, email = $p2
            WHERE id = $p0
            """, ct, personId, RoleName(role), string.IsNullOrWhiteSpace(email) ? null : email.Trim().ToLowerInvariant()) > 0;

    public Task RotateSecurityStampAsync(long personId, CancellationToken ct = default) =>
        ExecuteAsync($"UPDATE persons SET security_stamp = {NewStamp} WHERE id = $p0", ct, personId);

    public Task<Person?> FindByOidcAsync(string issuer, string subject, CancellationToken ct = default) =>
        QuerySingleAsync($"SELECT {PersonColumns} FROM persons WHERE oidc_issuer = $p0 AND oidc_subject = $p1", ReadPerson, ct, issuer, subject);

    public Task<Person?> FindByEmailAsync(string email, CancellationToken ct = default) =>
        QuerySingleAsync($"SELECT {PersonColumns} FROM persons WHERE email = $p0", ReadPerson, ct, email.Trim().ToLowerInvariant());

    public async Task<bool> BindOidcAsync(long personId, string issuer, string subject, CancellationToken ct = default) =>
        await ExecuteAsync("UPDATE persons SET oidc_issuer = $p1, oidc_subject = $p2 WHERE id = $p0 AND oidc_subject IS NULL", ct, personId, issuer, subject) > 0;

    public async Task<bool> AnyAdminAsync(CancellationToken ct = default) =>
        await QuerySingleAsync("SELECT 1 FROM persons WHERE role = 'admin' AND password_hash IS NOT NULL LIMIT 1", r => true, ct);

    public Task<string?> GetSettingAsync(string key, CancellationToken ct = default) =>
        QuerySingleAsync("SELECT value FROM settings WHERE key = $p0", r => r.GetString(0), ct, key);

    public Task SetSettingAsync(string key, string? value, CancellationToken ct = default) => value is null
        ? ExecuteAsync("DELETE FROM settings WHERE key = $p0", ct, key)
        : ExecuteAsync("INSERT INTO settings(key, value) VALUES ($p0, $p1) ON CONFLICT(key) DO UPDATE SET value = excluded.value", ct, key, value);

    public async Task<bool> ConsumeSettingAsync(string key, string value, CancellationToken ct = default) =>
        await ExecuteAsync("DELETE FROM settings WHERE key = $p0 AND value = $p1", ct, key, value) == 1;

    // ---- API tokens ----

    private const string TokenColumns = "id, name, hint, scope, created_ms, last_used_ms";

    public async Task<ApiTokenInfo?> CreateApiTokenAsync(long personId, string name, string tokenHash, string hint, ApiTokenScope scope, DateTimeOffset now,
        int maxPerPerson, CancellationToken ct = default)
    {
        // One statement, which takes SQLite's write lock before it counts: two at once cannot both pass the bound.
        var id = await QuerySingleAsync("""
            INSERT INTO api_tokens(person_id, name, token_hash, hint, scope, created_ms)
            SELECT $p0, $p1, $p2, $p3, $p4, $p5
            WHERE EXISTS (SELECT 1 FROM persons WHERE id = $p0) AND (SELECT count(*) FROM api_tokens WHERE person_id = $p0) < $p6
            RETURNING id
            """, r => (long?)r.GetInt64(0), ct, personId, name, tokenHash, hint, scope.Name(), now.ToUnixTimeMilliseconds(), maxPerPerson);
        return id is { } i ? new ApiTokenInfo(i, name, hint, scope, Ms(now.ToUnixTimeMilliseconds()), null) : null;
    }

    public async Task<IReadOnlyList<ApiTokenInfo>> ListApiTokensAsync(long personId, CancellationToken ct = default) =>
        await QueryAsync($"SELECT {TokenColumns} FROM api_tokens WHERE person_id = $p0 ORDER BY id DESC", r => ReadToken(r), ct, personId);

    public Task<ApiTokenInfo?> RevokeApiTokenAsync(long personId, long tokenId, CancellationToken ct = default) =>
        QuerySingleAsync($"DELETE FROM api_tokens WHERE id = $p1 AND person_id = $p0 RETURNING {TokenColumns}", r => ReadToken(r), ct, personId, tokenId);

    public async Task<ApiTokenMatch?> FindApiTokenAsync(string tokenHash, CancellationToken ct = default)
    {
        var match = await QuerySingleAsync($"""
            SELECT t.id, t.name, t.hint, t.scope, t.created_ms, t.last_used_ms, {PersonColumnsOf("p")}
            FROM api_tokens t JOIN persons p ON p.id = t.person_id WHERE t.token_hash = $p0
            """, r => new ApiTokenMatch(ReadToken(r), ReadPerson(r, 6)), ct, tokenHash);
        return match?.Token.Scope == ApiTokenScope.None ? null : match;
    }

    public async Task<bool> RecordApiTokenUseAsync(long tokenId, DateTimeOffset at, TimeSpan interval, CancellationToken ct = default) =>
        await ExecuteAsync("UPDATE api_tokens SET last_used_ms = $p1 WHERE id = $p0 AND (last_used_ms IS NULL OR last_used_ms <= $p1 - $p2)",
            ct, tokenId, at.ToUnixTimeMilliseconds(), (long)interval.TotalMilliseconds) > 0;

    // ---- enrollment and agents ----

    public async Task<long> CreateCodeAsync(string codeHash, string hint, long personId, string createdBy, DateTimeOffset now, DateTimeOffset expires, CancellationToken ct = default) =>
        (await QuerySingleAsync("""
            INSERT INTO enrollment_codes(code_hash, hint, person_id, created_by, created_ms, expires_ms)
            VALUES ($p0, $p1, $p2, $p3, $p4, $p5) RETURNING id
            """, r => (long?)r.GetInt64(0), ct, codeHash, hint, personId, createdBy, now.ToUnixTimeMilliseconds(), expires.ToUnixTimeMilliseconds()))!.Value;

    public async Task<IReadOnlyList<EnrollmentCodeInfo>> ListCodesAsync(CancellationToken ct = default) =>
        await QueryAsync("""
            SELECT c.id, c.hint, p.name, c.created_by, c.created_ms, c.expires_ms, c.used_ms, c.used_by_agent, c.revoked_ms
            FROM enrollment_codes c JOIN persons p ON p.id = c.person_id ORDER BY c.created_ms DESC LIMIT 200
            """, r => new EnrollmentCodeInfo(r.GetInt64(0), r.GetString(1), r.GetString(2), r.GetString(3), Ms(r.GetInt64(4)), Ms(r.GetInt64(5)),
                r.IsDBNull(6) ? null : Ms(r.GetInt64(6)), r.IsDBNull(7) ? null : r.GetString(7), r.IsDBNull(8) ? null : Ms(r.GetInt64(8))), ct);

    public async Task<bool> RevokeCodeAsync(long id, DateTimeOffset now, CancellationToken ct = default) =>
        await ExecuteAsync("UPDATE enrollment_codes SET revoked_ms = $p1 WHERE id = $p0 AND revoked_ms IS NULL AND used_ms IS NULL", ct, id, now.ToUnixTimeMilliseconds()) > 0;

    public async Task<(RedeemOutcome Outcome, string? Person)> RedeemCodeAsync(string codeHash, string agentId, string credentialHash, string host, string os, string version, DateTimeOffset now, CancellationToken ct = default)
    {
        await using var conn = await OpenAsync(ct);
        await using var tx = (SqliteTransaction)await conn.BeginTransactionAsync(System.Data.IsolationLevel.Serializable, ct);
        var code = await QuerySingleAsync(conn, tx, """
            SELECT c.id, c.person_id, p.name, c.expires_ms, c.used_ms, c.revoked_ms
            FROM enrollment_codes c JOIN persons p ON p.id = c.person_id WHERE c.code_hash = $p0
            """, r => ((long Id, long PersonId, string Person, long Expires, bool Used, bool Revoked)?)(r.GetInt64(0), r.GetInt64(1), r.GetString(2), r.GetInt64(3), !r.IsDBNull(4), !r.IsDBNull(5)), ct, codeHash);
        if (code is not { } c) return (RedeemOutcome.Unknown, null);
        if (c.Revoked) return (RedeemOutcome.Revoked, null);
        if (c.Used) return (RedeemOutcome.Used, null);
        if (c.Expires <= now.ToUnixTimeMilliseconds()) return (RedeemOutcome.Expired, null);

        var ms = now.ToUnixTimeMilliseconds();
        await ExecuteAsync(conn, tx, "UPDATE enrollment_codes SET used_ms = $p1, used_by_agent = $p2 WHERE id = $p0", ct, c.Id, ms, agentId);
        await ExecuteAsync(conn, tx, """
            INSERT INTO agents(id, person_id, host, os, agent_version, capabilities, first_seen_ms, last_seen_ms, credential_hash)
            VALUES ($p0, $p1, $p2, $p3, $p4, '', $p5, $p5, $p6)
            """, ct, agentId, c.PersonId, host, os, version, ms, credentialHash);
        await tx.CommitAsync(ct);
        return (RedeemOutcome.Enrolled, c.Person);
    }

    public Task<AgentCredential?> FindByCredentialAsync(string credentialHash, CancellationToken ct = default) =>
        QuerySingleAsync("""
            SELECT a.id, p.name, p.id, a.status FROM agents a JOIN persons p ON p.id = a.person_id WHERE a.credential_hash = $p0
            """, r => new AgentCredential(r.GetString(0), r.GetString(1), r.GetInt64(2), ReadStatus(r, 3)), ct, credentialHash);

    public Task<AgentStatus?> GetStatusAsync(string agentId, CancellationToken ct = default) =>
        QuerySingleAsync("SELECT status FROM agents WHERE id = $p0", r => (AgentStatus?)ReadStatus(r, 0), ct, agentId);

    public async Task<IReadOnlyList<AgentAdminView>> ListAgentsAsync(CancellationToken ct = default) =>
        await QueryAsync("""
            SELECT a.id, a.name, p.name, p.id, a.host, a.os, a.agent_version, a.status, a.last_seen_ms, a.clock_offset_ms, a.credential_hash IS NOT NULL
            FROM agents a JOIN persons p ON p.id = a.person_id WHERE a.status != 'removed' ORDER BY p.name, a.host
            """, r => new AgentAdminView(r.GetString(0), r.IsDBNull(1) ? null : r.GetString(1), r.GetString(2), r.GetInt64(3), r.GetString(4),
                r.GetString(5), r.GetString(6), ReadStatus(r, 7), Ms(r.GetInt64(8)), r.GetInt64(9), r.GetBoolean(10)), ct);

    public async Task<bool> RenameAsync(string agentId, string? name, CancellationToken ct = default) =>
        await ExecuteAsync("UPDATE agents SET name = $p1 WHERE id = $p0", ct, agentId, name) > 0;

    public async Task<bool> ReassignAsync(string agentId, long personId, CancellationToken ct = default) =>
        await ExecuteAsync("UPDATE agents SET person_id = $p1 WHERE id = $p0 AND EXISTS (SELECT 1 FROM persons WHERE id = $p1)", ct, agentId, personId) > 0;

    public async Task<bool> SetStatusAsync(string agentId, AgentStatus status, CancellationToken ct = default) =>
        await ExecuteAsync("UPDATE agents SET status = $p1 WHERE id = $p0 AND status != 'removed'", ct, agentId, status.Name()) > 0;

    // Anything unknown in the row counts as removed: an agent is let in only when it is plainly active.
    private static AgentStatus ReadStatus(SqliteDataReader r, int i) => r.GetString(i) switch
    {
        "active" => AgentStatus.Active,
        "blocked" => AgentStatus.Blocked,
        _ => AgentStatus.Removed,
    };

    public async Task<bool> RemoveAsync(string agentId, bool deleteData, CancellationToken ct = default)
    {
        await using var conn = await OpenAsync(ct);
        // Deleted rows are overwritten on disk, not just unlinked: removal must really remove.
        await ExecuteAsync(conn, null, "PRAGMA secure_delete = ON", ct);
        await using var tx = (SqliteTransaction)await conn.BeginTransactionAsync(ct);
        int changed;
        if (deleteData)
        {
            await ExecuteAsync(conn, tx, "DELETE FROM spans WHERE agent_key = (SELECT key FROM agents WHERE id = $p0)", ct, agentId);
            foreach (var table in RollupTable.Names.Append("agent_usage").Append("device_overlaps"))
                await ExecuteAsync(conn, tx, $"DELETE FROM {table} WHERE agent_key = (SELECT key FROM agents WHERE id = $p0)", ct, agentId);
            await ExecuteAsync(conn, tx, "UPDATE enrollment_codes SET used_by_agent = NULL WHERE used_by_agent = $p0", ct, agentId);
            changed = await ExecuteAsync(conn, tx, "DELETE FROM agents WHERE id = $p0", ct, agentId);
        }
        else
        {
            changed = await ExecuteAsync(conn, tx, "UPDATE agents SET status = 'removed', credential_hash = NULL WHERE id = $p0", ct, agentId);
        }
        await tx.CommitAsync(ct);
        // The write-ahead log still holds the deleted pages' old contents; fold it in and truncate it.
        if (deleteData) await ExecuteAsync(conn, null, "PRAGMA wal_checkpoint(TRUNCATE)", ct);
        return changed > 0;
    }

    // ---- audit ----

    public Task WriteAsync(DateTimeOffset at, string actor, string action, string target, string? detail = null, CancellationToken ct = default) =>
        ExecuteAsync("INSERT INTO audit_log(at_ms, actor, action, target, detail) VALUES ($p0, $p1, $p2, $p3, $p4)", ct,
            at.ToUnixTimeMilliseconds(), AuditEntry.Cut(actor), AuditEntry.Cut(action), AuditEntry.Cut(target), detail is null ? null : AuditEntry.Cut(detail));

    public async Task<IReadOnlyList<AuditEntry>> ListAsync(int limit, long? before = null, string? action = null, CancellationToken ct = default) =>
        await QueryAsync($"""
            SELECT id, at_ms, actor, action, target, detail FROM audit_log
            WHERE id < $p0 AND ($p1 IS NULL OR action = $p1) ORDER BY id DESC LIMIT {Math.Clamp(limit, 1, 10_000)}
            """, r => new AuditEntry(Ms(r.GetInt64(1)), r.GetString(2), r.GetString(3), r.GetString(4), r.IsDBNull(5) ? null : r.GetString(5)) { Id = r.GetInt64(0) },
            ct, before ?? long.MaxValue, action);

    public async Task<IReadOnlyList<string>> ListActionsAsync(CancellationToken ct = default) =>
        await QueryAsync("SELECT DISTINCT action FROM audit_log ORDER BY action", r => r.GetString(0), ct);

    // ---- plumbing ----

    private static string PersonColumnsOf(string table) => string.Join(", ", PersonColumns.Split(", ").Select(c => table + "." + c));

    private static Person ReadPerson(SqliteDataReader r) => ReadPerson(r, 0);

    /// <param name="at">Where the person's columns (<see cref="PersonColumns"/>) begin in the row.</param>
    private static Person ReadPerson(SqliteDataReader r, int at) =>
        new(r.GetInt64(at), r.GetString(at + 1), r.GetString(at + 2) == "admin" ? Role.Admin : Role.Member, r.IsDBNull(at + 3) ? null : r.GetString(at + 3))
        {
            SecurityStamp = r.GetString(at + 4),
            Email = r.IsDBNull(at + 5) ? null : r.GetString(at + 5),
            OidcIssuer = r.IsDBNull(at + 6) ? null : r.GetString(at + 6),
            OidcSubject = r.IsDBNull(at + 7) ? null : r.GetString(at + 7),
        };

    /// <summary>A token row in <see cref="TokenColumns"/> order.</summary>
    private static ApiTokenInfo ReadToken(SqliteDataReader r) =>
        new(r.GetInt64(0), r.GetString(1), r.GetString(2), ApiTokenScopeNames.Parse(r.GetString(3)), Ms(r.GetInt64(4)), r.IsDBNull(5) ? null : Ms(r.GetInt64(5)));

    private static string RoleName(Role role) => role == Role.Admin ? "admin" : "member";

    private static DateTimeOffset Ms(long ms) => Instants.FromMs(ms);

    private async Task<SqliteConnection> OpenAsync(CancellationToken ct)
    {
        var conn = new SqliteConnection(_connectionString);
        await conn.OpenAsync(ct);
        return conn;
    }

    private async Task<int> ExecuteAsync(string sql, CancellationToken ct, params object?[] args)
    {
        await using var conn = await OpenAsync(ct);
        return await ExecuteAsync(conn, null, sql, ct, args);
    }

    private static async Task<int> ExecuteAsync(SqliteConnection conn, SqliteTransaction? tx, string sql, CancellationToken ct, params object?[] args)
    {
        await using var cmd = Command(conn, tx, sql, args);
        return await cmd.ExecuteNonQueryAsync(ct);
    }

    private async Task<T?> QuerySingleAsync<T>(string sql, Func<SqliteDataReader, T> read, CancellationToken ct, params object?[] args)
    {
        await using var conn = await OpenAsync(ct);
        return await QuerySingleAsync(conn, null, sql, read, ct, args);
    }

    private static async Task<T?> QuerySingleAsync<T>(SqliteConnection conn, SqliteTransaction? tx, string sql, Func<SqliteDataReader, T> read, CancellationToken ct, params object?[] args)
    {
        await using var cmd = Command(conn, tx, sql, args);
        await using var r = await cmd.ExecuteReaderAsync(ct);
        return await r.ReadAsync(ct) ? read(r) : default;
    }

    private async Task<List<T>> QueryAsync<T>(string sql, Func<SqliteDataReader, T> read, CancellationToken ct, params object?[] args)
    {
        await using var conn = await OpenAsync(ct);
        await using var cmd = Command(conn, null, sql, args);
        await using var r = await cmd.ExecuteReaderAsync(ct);
        var list = new List<T>();
        while (await r.ReadAsync(ct)) list.Add(read(r));
        return list;
    }

    private static SqliteCommand Command(SqliteConnection conn, SqliteTransaction? tx, string sql, object?[] args)
    {
        var cmd = conn.CreateCommand();
        cmd.Transaction = tx;
        cmd.CommandText = sql;
        for (var i = 0; i < args.Length; i++) cmd.Parameters.AddWithValue("$p" + i, args[i] ?? DBNull.Value);
        return cmd;
    }
}
