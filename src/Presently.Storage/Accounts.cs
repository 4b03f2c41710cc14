namespace Presently.Storage;

public enum Role
{
    Member,
    Admin,
}

public sealed record Person(long Id, string Name, Role Role, string? PasswordHash);

public sealed record EnrollmentCodeInfo(long Id, string Hint, string Person, string CreatedBy, DateTimeOffset Created, DateTimeOffset Expires,
    DateTimeOffset? Used, string? UsedByAgent, DateTimeOffset? Revoked)
{
    public string State(DateTimeOffset now) => Revoked is not null ? "revoked" : Used is not null ? "used" : Expires <= now ? "expired" : "open";
}

public enum RedeemOutcome
{
    Enrolled,
    Unknown,
    Used,
    Expired,
    Revoked,
}

/// <summary>An enrolled agent's credential, as looked up on every connection.</summary>
public sealed record AgentCredential(string AgentId, string Person, long PersonId, string Status);

public sealed record AgentAdminView(string AgentId, string? Name, string Person, long PersonId, string Host, string Os, string Version,
    string Status, DateTimeOffset LastSeen, long ClockOffsetMs, bool HasCredential);

public sealed record AuditEntry(DateTimeOffset At, string Actor, string Action, string Target, string? Detail);

/// <summary>People and their sign-in secrets, and small server settings.</summary>
public interface IAccountStore
{
    Task<Person?> FindPersonAsync(string name, CancellationToken ct = default);
    Task<Person?> GetPersonAsync(long id, CancellationToken ct = default);
    Task<IReadOnlyList<Person>> ListPeopleAsync(CancellationToken ct = default);
    /// <summary>Creates the person, or gives an existing one the role and password. Returns the person.</summary>
    Task<Person> SavePersonAsync(string name, Role role, string? passwordHash, CancellationToken ct = default);
    Task SetPasswordAsync(long personId, string passwordHash, CancellationToken ct = default);
    Task<bool> AnyAdminAsync(CancellationToken ct = default);
    Task<string?> GetSettingAsync(string key, CancellationToken ct = default);
    Task SetSettingAsync(string key, string? value, CancellationToken ct = default);
}

/// <summary>Enrollment codes and agent credentials, owners and states.</summary>
public interface IAgentRegistry
{
    Task<long> CreateCodeAsync(string codeHash, string hint, long personId, string createdBy, DateTimeOffset now, DateTimeOffset expires, CancellationToken ct = default);
    Task<IReadOnlyList<EnrollmentCodeInfo>> ListCodesAsync(CancellationToken ct = default);
    Task<bool> RevokeCodeAsync(long id, DateTimeOffset now, CancellationToken ct = default);
    /// <summary>Atomically uses the code and creates the agent with its credential hash.</summary>
    Task<(RedeemOutcome Outcome, string? Person)> RedeemCodeAsync(string codeHash, string agentId, string credentialHash, string host, string os, string version, DateTimeOffset now, CancellationToken ct = default);
    Task<AgentCredential?> FindByCredentialAsync(string credentialHash, CancellationToken ct = default);
    /// <summary>active, blocked or removed; null for an agent never seen.</summary>
    Task<string?> GetStatusAsync(string agentId, CancellationToken ct = default);
    Task<IReadOnlyList<AgentAdminView>> ListAgentsAsync(CancellationToken ct = default);
    Task<bool> RenameAsync(string agentId, string? name, CancellationToken ct = default);
    Task<bool> ReassignAsync(string agentId, long personId, CancellationToken ct = default);
    Task<bool> SetStatusAsync(string agentId, string status, CancellationToken ct = default);
    /// <summary>Revokes the credential; with <paramref name="deleteData"/> also deletes the agent's spans and row, overwriting freed pages.</summary>
    Task<bool> RemoveAsync(string agentId, bool deleteData, CancellationToken ct = default);
}

public interface IAuditLog
{
    Task WriteAsync(DateTimeOffset at, string actor, string action, string target, string? detail = null, CancellationToken ct = default);
    Task<IReadOnlyList<AuditEntry>> ListAsync(int limit, CancellationToken ct = default);
}
