using System.Text;
using Npgsql;

namespace Presently.Storage.Postgres;

/// <summary>
/// People, enrollment, agent credentials and the audit log in PostgreSQL, behaving as
/// <see cref="Sqlite.SqliteAccounts"/> does. These writes are rare; each borrows a pooled connection.
/// </summary>
public sealed partial class PostgresAccounts(NpgsqlDataSource dataSource, TimeProvider time) : IAccountStore, IAgentRegistry, IAuditLog, ITeamStore
{
    // ---- people ----

    private const string PersonColumns = "id, name, role, password_hash, security_stamp, email, oidc_issuer, oidc_subject";

    // A fresh random stamp, made by PostgreSQL so every writer gets one the same way (as the column default does).
    private const string NewStamp = "replace(gen_random_uuid()::text, '-', '')";

    public Task<Person?> FindPersonAsync(string name, CancellationToken ct = default) =>
        QuerySingleAsync($"SELECT {PersonColumns} FROM persons WHERE name = $1", ReadPerson, ct, name);

    public Task<Person?> GetPersonAsync(long id, CancellationToken ct = default) =>
        QuerySingleAsync($"SELECT {PersonColumns} FROM persons WHERE id = $1", ReadPerson, ct, id);

    public async Task<IReadOnlyList<Person>> ListPeopleAsync(CancellationToken ct = default) =>
        await QueryAsync($"SELECT {PersonColumns} FROM persons ORDER BY name", ReadPerson, ct);

    public async Task<Person> SavePersonAsync(string name, Role role, string? passwordHash, CancellationToken ct = default)
    {
        await ExecuteAsync($"""
            INSERT INTO persons(name, role, password_hash, created_ms, security_stamp) VALUES ($1, $2, $3, $4, {NewStamp})
            ON CONFLICT(name) DO UPDATE SET role = excluded.role, password_hash = coalesce(excluded.password_hash, persons.password_hash),
                security_stamp = CASE WHEN persons.role != excluded.role OR excluded.password_hash IS NOT NULL THEN excluded.security_stamp ELSE persons.security_stamp END
            """, ct, name, RoleName(role), passwordHash, time.GetUtcNow().ToUnixTimeMilliseconds());
        return (await FindPersonAsync(name, ct))!;
    }

    public Task SetPasswordAsync(long personId, string passwordHash, CancellationToken ct = default) =>
        ExecuteAsync($"UPDATE persons SET password_hash = $2, security_stamp = {NewStamp} WHERE id = $1", ct, personId, passwordHash);

    public async Task<bool> UpdatePersonAsync(long personId, Role role, string? email, CancellationToken ct = default) =>
        await ExecuteAsync($"""
            UPDATE persons SET
                -- A new role, or a new e-mail (which unbinds the single sign-on account), ends every session.
                security_stamp = CASE WHEN role != $2 OR email IS DISTINCT FROM $3::text THEN {NewStamp} ELSE security_stamp END,
                oidc_issuer = CASE WHEN email IS NOT DISTINCT FROM $3::text THEN oidc_issuer END,
                oidc_subject = CASE WHEN email IS NOT DISTINCT FROM $3::text THEN oidc_subject END,
                role = $2, email = $3::text
            WHERE id = $1
            """, ct, personId, RoleName(role), string.IsNullOrWhiteSpace(email) ? null : email.Trim().ToLowerInvariant()) > 0;

    public Task RotateSecurityStampAsync(long personId, CancellationToken ct = default) =>
        ExecuteAsync($"UPDATE persons SET security_stamp = {NewStamp} WHERE id = $1", ct, personId);

    public Task<Person?> FindByOidcAsync(string issuer, string subject, CancellationToken ct = default) =>
        QuerySingleAsync($"SELECT {PersonColumns} FROM persons WHERE oidc_issuer = $1 AND oidc_subject = $2", ReadPerson, ct, issuer, subject);

    public Task<Person?> FindByEmailAsync(string email, CancellationToken ct = default) =>
        QuerySingleAsync($"SELECT {PersonColumns} FROM persons WHERE email = $1", ReadPerson, ct, email.Trim().ToLowerInvariant());

    public async Task<bool> BindOidcAsync(long personId, string issuer, string subject, CancellationToken ct = default) =>
        await ExecuteAsync("UPDATE persons SET oidc_issuer = $2, oidc_subject = $3 WHERE id = $1 AND oidc_subject IS NULL", ct, personId, issuer, subject) > 0;

    public async Task<bool> AnyAdminAsync(CancellationToken ct = default) =>
        await QuerySingleAsync("SELECT 1 FROM persons WHERE role = 'admin' AND password_hash IS NOT NULL LIMIT 1", r => true, ct);

    public Task<string?> GetSettingAsync(string key, CancellationToken ct = default) =>
        QuerySingleAsync("SELECT value FROM settings WHERE key = $1", r => r.GetString(0), ct, key);

    public Task SetSettingAsync(string key, string? value, CancellationToken ct = default) => value is null
        ? ExecuteAsync("DELETE FROM settings WHERE key = $1", ct, key)
        : ExecuteAsync("INSERT INTO settings(key, value) VALUES ($1, $2) ON CONFLICT(key) DO UPDATE SET value = excluded.value", ct, key, value);

    // A concurrent second DELETE waits for the first's row lock, then finds the row gone: one caller gets true.
    public async Task<bool> ConsumeSettingAsync(string key, string value, CancellationToken ct = default) =>
        await ExecuteAsync("DELETE FROM settings WHERE key = $1 AND value = $2", ct, key, value) == 1;

    // ---- API tokens ----

    private const string TokenColumns = "id, name, hint, scope, created_ms, last_used_ms";

    public async Task<ApiTokenInfo?> CreateApiTokenAsync(long personId, string name, string tokenHash, string hint, ApiTokenScope scope, DateTimeOffset now,
        int maxPerPerson, CancellationToken ct = default)
    {
        await using var conn = await dataSource.OpenConnectionAsync(ct);
        await using var tx = await conn.BeginTransactionAsync(ct);
        // The person's row lock makes concurrent creates for one person take turns; each then counts
        // with a fresh snapshot (read committed), so the bound holds however many arrive at once.
        if (!await QuerySingleAsync(conn, tx, "SELECT true FROM persons WHERE id = $1 FOR UPDATE", r => true, ct, personId)) return null;
        var count = await QuerySingleAsync(conn, tx, "SELECT count(*) FROM api_tokens WHERE person_id = $1", r => r.GetInt64(0), ct, personId);
        if (count >= maxPerPerson) return null;
        var id = await QuerySingleAsync(conn, tx, """
            INSERT INTO api_tokens(person_id, name, token_hash, hint, scope, created_ms) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id
            """, r => r.GetInt64(0), ct, personId, name, tokenHash, hint, scope.Name(), now.ToUnixTimeMilliseconds());
        await tx.CommitAsync(ct);
        return new ApiTokenInfo(id, Storable(name), Storable(hint), scope, Ms(now.ToUnixTimeMilliseconds()), null);
    }

    public async Task<IReadOnlyList<ApiTokenInfo>> ListApiTokensAsync(long personId, CancellationToken ct = default) =>
        await QueryAsync($"SELECT {TokenColumns} FROM api_tokens WHERE person_id = $1 ORDER BY id DESC", r => ReadToken(r), ct, personId);

    public Task<ApiTokenInfo?> RevokeApiTokenAsync(long personId, long tokenId, CancellationToken ct = default) =>
        QuerySingleAsync($"DELETE FROM api_tokens WHERE id = $2 AND person_id = $1 RETURNING {TokenColumns}", r => ReadToken(r), ct, personId, tokenId);

    public async Task<ApiTokenMatch?> FindApiTokenAsync(string tokenHash, CancellationToken ct = default)
    {
        var match = await QuerySingleAsync($"""
            SELECT t.id, t.name, t.hint, t.scope, t.created_ms, t.last_used_ms, {PersonColumnsOf("p")}
            FROM api_tokens t JOIN persons p ON p.id = t.person_id WHERE t.token_hash = $1
            """, r => new ApiTokenMatch(ReadToken(r), ReadPerson(r, 6)), ct, tokenHash);
        return match?.Token.Scope == ApiTokenScope.None ? null : match;
    }

    public async Task<bool> RecordApiTokenUseAsync(long tokenId, DateTimeOffset at, TimeSpan interval, CancellationToken ct = default) =>
        await ExecuteAsync("UPDATE api_tokens SET last_used_ms = $2 WHERE id = $1 AND (last_used_ms IS NULL OR last_used_ms <= $2 - $3)",
            ct, tokenId, at.ToUnixTimeMilliseconds(), (long)interval.TotalMilliseconds) > 0;

    // ---- enrollment and agents ----

    public async Task<long> CreateCodeAsync(string codeHash, string hint, long personId, string createdBy, DateTimeOffset now, DateTimeOffset expires, CancellationToken ct = default) =>
        (await QuerySingleAsync("""
            INSERT INTO enrollment_codes(code_hash, hint, person_id, created_by, created_ms, expires_ms)
            VALUES ($1, $2, $3, $4, $5, $6) RETURNING id
            """, r => (long?)r.GetInt64(0), ct, codeHash, hint, personId, createdBy, now.ToUnixTimeMilliseconds(), expires.ToUnixTimeMilliseconds()))!.Value;

    public async Task<IReadOnlyList<EnrollmentCodeInfo>> ListCodesAsync(CancellationToken ct = default) =>
        await QueryAsync("""
            SELECT c.id, c.hint, p.name, c.created_by, c.created_ms, c.expires_ms, c.used_ms, c.used_by_agent, c.revoked_ms
            FROM enrollment_codes c JOIN persons p ON p.id = c.person_id ORDER BY c.created_ms DESC LIMIT 200
            """, r => new EnrollmentCodeInfo(r.GetInt64(0), r.GetString(1), r.GetString(2), r.GetString(3), Ms(r.GetInt64(4)), Ms(r.GetInt64(5)),
                r.IsDBNull(6) ? null : Ms(r.GetInt64(6)), r.IsDBNull(7) ? null : r.GetString(7), r.IsDBNull(8) ? null : Ms(r.GetInt64(8))), ct);

    public async Task<bool> RevokeCodeAsync(long id, DateTimeOffset now, CancellationToken ct = default) =>
        await ExecuteAsync("UPDATE enrollment_codes SET revoked_ms = $2 WHERE id = $1 AND revoked_ms IS NULL AND used_ms IS NULL", ct, id, now.ToUnixTimeMilliseconds()) > 0;

    public async Task<(RedeemOutcome Outcome, string? Person)> RedeemCodeAsync(string codeHash, string agentId, string credentialHash, string host, string os, string version, DateTimeOffset now, CancellationToken ct = default)
    {
        await using var conn = await dataSource.OpenConnectionAsync(ct);
        await using var tx = await conn.BeginTransactionAsync(ct);
        // FOR UPDATE: a concurrent redeem of the same code waits here until this one commits, then reads
        // the row as committed (used), so a code enrolls one agent however many try at once.
        var code = await QuerySingleAsync(conn, tx, """
            SELECT c.id, c.person_id, p.name, c.expires_ms, c.used_ms, c.revoked_ms
            FROM enrollment_codes c JOIN persons p ON p.id = c.person_id WHERE c.code_hash = $1 FOR UPDATE OF c
            """, r => ((long Id, long PersonId, string Person, long Expires, bool Used, bool Revoked)?)(r.GetInt64(0), r.GetInt64(1), r.GetString(2), r.GetInt64(3), !r.IsDBNull(4), !r.IsDBNull(5)), ct, codeHash);
        if (code is not { } c) return (RedeemOutcome.Unknown, null);
        if (c.Revoked) return (RedeemOutcome.Revoked, null);
        if (c.Used) return (RedeemOutcome.Used, null);
        if (c.Expires <= now.ToUnixTimeMilliseconds()) return (RedeemOutcome.Expired, null);

        var ms = now.ToUnixTimeMilliseconds();
        await ExecuteAsync(conn, tx, "UPDATE enrollment_codes SET used_ms = $2, used_by_agent = $3 WHERE id = $1", ct, c.Id, ms, agentId);
        await ExecuteAsync(conn, tx, """
            INSERT INTO agents(id, person_id, host, os, agent_version, capabilities, first_seen_ms, last_seen_ms, credential_hash)
            VALUES ($1, $2, $3, $4, $5, '', $6, $6, $7)
            """, ct, agentId, c.PersonId, host, os, version, ms, credentialHash);
        await tx.CommitAsync(ct);
        return (RedeemOutcome.Enrolled, c.Person);
    }

    public Task<AgentCredential?> FindByCredentialAsync(string credentialHash, CancellationToken ct = default) =>
        QuerySingleAsync("""
            SELECT a.id, p.name, p.id, a.status FROM agents a JOIN persons p ON p.id = a.person_id WHERE a.credential_hash = $1
            """, r => new AgentCredential(r.GetString(0), r.GetString(1), r.GetInt64(2), ReadStatus(r, 3)), ct, credentialHash);

    public Task<AgentStatus?> GetStatusAsync(string agentId, CancellationToken ct = default) =>
        QuerySingleAsync("SELECT status FROM agents WHERE id = $1", r => (AgentStatus?)ReadStatus(r, 0), ct, agentId);

    public async Task<IReadOnlyList<AgentAdminView>> ListAgentsAsync(CancellationToken ct = default) =>
        await QueryAsync("""
            SELECT a.id, a.name, p.name, p.id, a.host, a.os, a.agent_version, a.status, a.last_seen_ms, a.clock_offset_ms, a.credential_hash IS NOT NULL
            FROM agents a JOIN persons p ON p.id = a.person_id WHERE a.status != 'removed' ORDER BY p.name, a.host
            """, r => new AgentAdminView(r.GetString(0), r.IsDBNull(1) ? null : r.GetString(1), r.GetString(2), r.GetInt64(3), r.GetString(4),
                r.GetString(5), r.GetString(6), ReadStatus(r, 7), Ms(r.GetInt64(8)), r.GetInt64(9), r.GetBoolean(10)), ct);

    public async Task<bool> RenameAsync(string agentId, string? name, CancellationToken ct = default) =>
        await ExecuteAsync("UPDATE agents SET name = $2::text WHERE id = $1", ct, agentId, name) > 0;

    public async Task<bool> ReassignAsync(string agentId, long personId, CancellationToken ct = default) =>
        await ExecuteAsync("UPDATE agents SET person_id = $2 WHERE id = $1 AND EXISTS (SELECT 1 FROM persons WHERE id = $2)", ct, agentId, personId) > 0;

    public async Task<bool> SetStatusAsync(string agentId, AgentStatus status, CancellationToken ct = default) =>
        await ExecuteAsync("UPDATE agents SET status = $2 WHERE id = $1 AND status != 'removed'", ct, agentId, status.Name()) > 0;

    // Anything unknown in the row counts as removed: an agent is let in only when it is plainly active.
    private static AgentStatus ReadStatus(NpgsqlDataReader r, int i) => r.GetString(i) switch
    {
        "active" => AgentStatus.Active,
        "blocked" => AgentStatus.Blocked,
        _ => AgentStatus.Removed,
    };

    public async Task<bool> RemoveAsync(string agentId, bool deleteData, CancellationToken ct = default)
    {
        await using var conn = await dataSource.OpenConnectionAsync(ct);
        await using var tx = await conn.BeginTransactionAsync(ct);
        int changed;
        if (deleteData)
        {
            // The row lock keeps ingest from adding rows for the agent between the deletes below.
            var key = await QuerySingleAsync(conn, tx, "SELECT key FROM agents WHERE id = $1 FOR UPDATE", r => (long?)r.GetInt64(0), ct, agentId);
            if (key is not { } k) return false;
            foreach (var table in PostgresSchema.AgentDataTables)
                await ExecuteAsync(conn, tx, $"DELETE FROM {table} WHERE agent_key = $1", ct, k);
            await ExecuteAsync(conn, tx, "UPDATE enrollment_codes SET used_by_agent = NULL WHERE used_by_agent = $1", ct, agentId);
            changed = await ExecuteAsync(conn, tx, "DELETE FROM agents WHERE key = $1", ct, k);
        }
        else
        {
            changed = await ExecuteAsync(conn, tx, "UPDATE agents SET status = 'removed', credential_hash = NULL WHERE id = $1", ct, agentId);
        }
        await tx.CommitAsync(ct);
        return changed > 0;
    }

    // ---- audit ----

    public Task WriteAsync(DateTimeOffset at, string actor, string action, string target, string? detail = null, CancellationToken ct = default) =>
        ExecuteAsync("INSERT INTO audit_log(at_ms, actor, action, target, detail) VALUES ($1, $2, $3, $4, $5)", ct,
            at.ToUnixTimeMilliseconds(), AuditEntry.Cut(actor), AuditEntry.Cut(action), AuditEntry.Cut(target), detail is null ? null : AuditEntry.Cut(detail));

    public async Task<IReadOnlyList<AuditEntry>> ListAsync(int limit, long? before = null, string? action = null, CancellationToken ct = default) =>
        await QueryAsync("""
            SELECT id, at_ms, actor, action, target, detail FROM audit_log
            WHERE id < $1 AND ($2::text IS NULL OR action = $2::text) ORDER BY id DESC LIMIT $3
            """, r => new AuditEntry(Ms(r.GetInt64(1)), r.GetString(2), r.GetString(3), r.GetString(4), r.IsDBNull(5) ? null : r.GetString(5)) { Id = r.GetInt64(0) },
            ct, before ?? long.MaxValue, action, Math.Clamp(limit, 1, 10_000));

    public async Task<IReadOnlyList<string>> ListActionsAsync(CancellationToken ct = default) =>
        await QueryAsync("SELECT DISTINCT action FROM audit_log ORDER BY action", r => r.GetString(0), ct);

    // ---- plumbing ----

    private static string PersonColumnsOf(string table) => string.Join(", ", PersonColumns.Split(", ").Select(c => table + "." + c));

    private static Person ReadPerson(NpgsqlDataReader r) => ReadPerson(r, 0);

    /// <param name="at">Where the person's columns (<see cref="PersonColumns"/>) begin in the row.</param>
    private static Person ReadPerson(NpgsqlDataReader r, int at) =>
        new(r.GetInt64(at), r.GetString(at + 1), r.GetString(at + 2) == "admin" ? Role.Admin : Role.Member, r.IsDBNull(at + 3) ? null : r.GetString(at + 3))
        {
            SecurityStamp = r.GetString(at + 4),
            Email = r.IsDBNull(at + 5) ? null : r.GetString(at + 5),
            OidcIssuer = r.IsDBNull(at + 6) ? null : r.GetString(at + 6),
            OidcSubject = r.IsDBNull(at + 7) ? null : r.GetString(at + 7),
        };

    /// <summary>A token row in <see cref="TokenColumns"/> order.</summary>
    private static ApiTokenInfo ReadToken(NpgsqlDataReader r) =>
        new(r.GetInt64(0), r.GetString(1), r.GetString(2), ApiTokenScopeNames.Parse(r.GetString(3)), Ms(r.GetInt64(4)), r.IsDBNull(5) ? null : Ms(r.GetInt64(5)));

    private static string RoleName(Role role) => role == Role.Admin ? "admin" : "member";

    private static DateTimeOffset Ms(long ms) => Instants.FromMs(ms);

    /// <summary>
    /// Text as SQLite would store it: Microsoft.Data.Sqlite turns a lone surrogate into U+FFFD, where
    /// Npgsql would throw; PostgreSQL text cannot hold NUL at all, so that becomes U+FFFD too. Names and
    /// audit fields carry whatever anyone typed, and must be stored, not fail the request.
    /// </summary>
    internal static string Storable(string s)
    {
        if (s.AsSpan().IndexOfAnyInRange('\uD800', '\uDFFF') >= 0) s = Encoding.UTF8.GetString(Encoding.UTF8.GetBytes(s));
        return s.Contains('\0', StringComparison.Ordinal) ? s.Replace('\0', '\uFFFD') : s;
    }

    private async Task<int> ExecuteAsync(string sql, CancellationToken ct, params object?[] args)
    {
        await using var conn = await dataSource.OpenConnectionAsync(ct);
        return await ExecuteAsync(conn, null, sql, ct, args);
    }

    private static async Task<int> ExecuteAsync(NpgsqlConnection conn, NpgsqlTransaction? tx, string sql, CancellationToken ct, params object?[] args)
    {
        await using var cmd = Command(conn, tx, sql, args);
        return await cmd.ExecuteNonQueryAsync(ct);
    }

    private async Task<T?> QuerySingleAsync<T>(string sql, Func<NpgsqlDataReader, T> read, CancellationToken ct, params object?[] args)
    {
        await using var conn = await dataSource.OpenConnectionAsync(ct);
        return await QuerySingleAsync(conn, null, sql, read, ct, args);
    }

    private static async Task<T?> QuerySingleAsync<T>(NpgsqlConnection conn, NpgsqlTransaction? tx, string sql, Func<NpgsqlDataReader, T> read, CancellationToken ct, params object?[] args)
    {
        await using var cmd = Command(conn, tx, sql, args);
        await using var r = await cmd.ExecuteReaderAsync(ct);
        return await r.ReadAsync(ct) ? read(r) : default;
    }

    private async Task<List<T>> QueryAsync<T>(string sql, Func<NpgsqlDataReader, T> read, CancellationToken ct, params object?[] args)
    {
        await using var conn = await dataSource.OpenConnectionAsync(ct);
        await using var cmd = Command(conn, null, sql, args);
        await using var r = await cmd.ExecuteReaderAsync(ct);
        var list = new List<T>();
        while (await r.ReadAsync(ct)) list.Add(read(r));
        return list;
    }

    // Positional parameters ($1, $2, …), sent as typed values: nothing is ever spliced into the SQL text.
    private static NpgsqlCommand Command(NpgsqlConnection conn, NpgsqlTransaction? tx, string sql, object?[] args)
    {
        var cmd = new NpgsqlCommand(sql, conn, tx);
        foreach (var a in args) cmd.Parameters.Add(new NpgsqlParameter { Value = a is string s ? Storable(s) : a ?? DBNull.Value });
        return cmd;
    }
}
