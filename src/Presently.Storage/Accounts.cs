namespace Presently.Storage;

public enum Role
{
    Member,
    Admin,
}

public sealed record Person(long Id, string Name, Role Role, string? PasswordHash)
{
    /// <summary>Random; a new value ends every session of this person.</summary>
    public string SecurityStamp { get; init; } = "";

    /// <summary>Set by an admin, lower case; a provider's verified e-mail matching it binds the provider account once.</summary>
    public string? Email { get; init; }

    public string? OidcIssuer { get; init; }

    public string? OidcSubject { get; init; }
}

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
/// <summary>Whether an enrolled agent may connect: stored as its lower-case name.</summary>
public enum AgentStatus
{
    Active,
    Blocked,
    Removed,
}

public static class AgentStatusNames
{
    /// <summary>The one spelling of a status: in the database, on pages and in the API.</summary>
    public static string Name(this AgentStatus status) => status switch
    {
        AgentStatus.Active => "active",
        AgentStatus.Blocked => "blocked",
        _ => "removed",
    };
}

public sealed record AgentCredential(string AgentId, string Person, long PersonId, AgentStatus Status);

public sealed record AgentAdminView(string AgentId, string? Name, string Person, long PersonId, string Host, string Os, string Version,
    AgentStatus Status, DateTimeOffset LastSeen, long ClockOffsetMs, bool HasCredential);

/// <summary>What a personal API token may do: stored as its lower-case name.</summary>
public enum ApiTokenScope
{
    /// <summary>Nothing: what a stored scope this code does not know counts as, so it grants no access.</summary>
    None,
    /// <summary>Read what the person may read: GET (and HEAD) under /api/v1, nothing else.</summary>
    Read,
}

public static class ApiTokenScopeNames
{
    /// <summary>The one spelling of a scope: in the database, on pages and in the API.</summary>
    public static string Name(this ApiTokenScope scope) => scope switch
    {
        ApiTokenScope.Read => "read",
        _ => "none",
    };

    /// <summary>The scope of that name; <see cref="ApiTokenScope.None"/> for any other text, so a row this code does not understand grants nothing.</summary>
    public static ApiTokenScope Parse(string? name) => name switch
    {
        "read" => ApiTokenScope.Read,
        _ => ApiTokenScope.None,
    };
}

/// <summary>A personal API token as its owner sees it listed: never its secret, nor its hash.</summary>
public sealed record ApiTokenInfo(long Id, string Name, string Hint, ApiTokenScope Scope, DateTimeOffset Created, DateTimeOffset? LastUsed);

/// <summary>A token found by its hash, with its person as stored now (so a new role or name holds at the next call).</summary>
public sealed record ApiTokenMatch(ApiTokenInfo Token, Person Person);

public sealed record AuditEntry(DateTimeOffset At, string Actor, string Action, string Target, string? Detail)
{
    /// <summary>
    /// Actor, action, target and detail are cut to this many characters when written: failed
    /// sign-ins log what anyone typed, so no caller may grow the log by more than a line.
    /// </summary>
    public const int MaxFieldLength = 128;

    public long Id { get; init; }

    /// <summary>At most <see cref="MaxFieldLength"/> characters, never half a surrogate pair: what every store writes.</summary>
    public static string Cut(string value) =>
        value.Length <= MaxFieldLength ? value : TextCut.Prefix(value, MaxFieldLength - 1) + "…";
}

/// <summary>People and their sign-in secrets, and small server settings.</summary>
public interface IAccountStore
{
    Task<Person?> FindPersonAsync(string name, CancellationToken ct = default);
    Task<Person?> GetPersonAsync(long id, CancellationToken ct = default);
    Task<IReadOnlyList<Person>> ListPeopleAsync(CancellationToken ct = default);
    /// <summary>Creates the person, or gives an existing one the role and password. Returns the person. A new role ends their sessions.</summary>
    Task<Person> SavePersonAsync(string name, Role role, string? passwordHash, CancellationToken ct = default);
    /// <summary>Sets the password hash and ends every session of the person (a new security stamp).</summary>
    Task SetPasswordAsync(long personId, string passwordHash, CancellationToken ct = default);
    /// <summary>Sets role and e-mail. A new role ends the person's sessions; a new e-mail unbinds their single sign-on account. False when there is no such person.</summary>
    Task<bool> UpdatePersonAsync(long personId, Role role, string? email, CancellationToken ct = default);
    /// <summary>Ends every session of the person.</summary>
    Task RotateSecurityStampAsync(long personId, CancellationToken ct = default);
    Task<Person?> FindByOidcAsync(string issuer, string subject, CancellationToken ct = default);
    Task<Person?> FindByEmailAsync(string email, CancellationToken ct = default);
    /// <summary>Binds a provider account to a person that has none yet; false if they have one (or there is no such person).</summary>
    Task<bool> BindOidcAsync(long personId, string issuer, string subject, CancellationToken ct = default);
    Task<bool> AnyAdminAsync(CancellationToken ct = default);
    Task<string?> GetSettingAsync(string key, CancellationToken ct = default);
    Task SetSettingAsync(string key, string? value, CancellationToken ct = default);
    /// <summary>Deletes the setting if it has exactly this value; true for the one caller that deleted it.</summary>
    Task<bool> ConsumeSettingAsync(string key, string value, CancellationToken ct = default);

    /// <summary>
    /// Stores a personal API token of the person (its hash and hint, never the secret). Null when the
    /// person does not exist or already has <paramref name="maxPerPerson"/> tokens, however many are created at once.
    /// </summary>
    Task<ApiTokenInfo?> CreateApiTokenAsync(long personId, string name, string tokenHash, string hint, ApiTokenScope scope, DateTimeOffset now,
        int maxPerPerson, CancellationToken ct = default);
    /// <summary>The person's API tokens, newest first.</summary>
    Task<IReadOnlyList<ApiTokenInfo>> ListApiTokensAsync(long personId, CancellationToken ct = default);
    /// <summary>Deletes the token if it is this person's, so it stops working at once; returns what it was, or null.</summary>
    Task<ApiTokenInfo?> RevokeApiTokenAsync(long personId, long tokenId, CancellationToken ct = default);
    /// <summary>The token with this hash and its person; null when it is unknown, revoked, its person is gone or its scope is not one this code knows.</summary>
    Task<ApiTokenMatch?> FindApiTokenAsync(string tokenHash, CancellationToken ct = default);
    /// <summary>Records a use of the token at <paramref name="at"/>, unless one was recorded less than <paramref name="interval"/> before; true when written.</summary>
    Task<bool> RecordApiTokenUseAsync(long tokenId, DateTimeOffset at, TimeSpan interval, CancellationToken ct = default);
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
    Task<AgentStatus?> GetStatusAsync(string agentId, CancellationToken ct = default);
    Task<IReadOnlyList<AgentAdminView>> ListAgentsAsync(CancellationToken ct = default);
    Task<bool> RenameAsync(string agentId, string? name, CancellationToken ct = default);
    Task<bool> ReassignAsync(string agentId, long personId, CancellationToken ct = default);
    Task<bool> SetStatusAsync(string agentId, AgentStatus status, CancellationToken ct = default);
    /// <summary>Revokes the credential; with <paramref name="deleteData"/> also deletes the agent's spans and row, overwriting freed pages.</summary>
    Task<bool> RemoveAsync(string agentId, bool deleteData, CancellationToken ct = default);
}

public interface IAuditLog
{
    Task WriteAsync(DateTimeOffset at, string actor, string action, string target, string? detail = null, CancellationToken ct = default);
    /// <summary>Newest first: at most <paramref name="limit"/> entries older than <paramref name="before"/> (an id), of one action if given.</summary>
    Task<IReadOnlyList<AuditEntry>> ListAsync(int limit, long? before = null, string? action = null, CancellationToken ct = default);
    Task<IReadOnlyList<string>> ListActionsAsync(CancellationToken ct = default);
}

/// <summary>A team; the board groups people by team.</summary>
public sealed record Team(long Id, string Name)
{
    public const int MaxNameLength = 64;
}

/// <summary>Teams and who is in which (one team per person at most).</summary>
public interface ITeamStore
{
    Task<IReadOnlyList<Team>> ListTeamsAsync(CancellationToken ct = default);
    /// <summary>Creates the team; null when the name is taken.</summary>
    Task<Team?> CreateTeamAsync(string name, CancellationToken ct = default);
    /// <summary>False when there is no such team or the name is taken.</summary>
    Task<bool> RenameTeamAsync(long teamId, string name, CancellationToken ct = default);
    /// <summary>Deletes the team; its people are then in no team.</summary>
    Task<bool> DeleteTeamAsync(long teamId, CancellationToken ct = default);
    /// <summary>Puts the person in the team, or in none (null). False when the person or team does not exist.</summary>
    Task<bool> SetTeamAsync(long personId, long? teamId, CancellationToken ct = default);
    /// <summary>Every person in a team, by person name.</summary>
    Task<IReadOnlyDictionary<string, Team>> ListMembershipsAsync(CancellationToken ct = default);
}

/// <summary>
/// How a person reads time: their time zone (an IANA id; null: the browser's), the first day of their
/// week, and the hour their day starts at (for people who work past midnight: with 4, 02:00 is in the day before).
/// </summary>
public sealed record PersonPreferences(string? TimeZone, DayOfWeek WeekStart, int DayStartHour = 0)
{
    public static readonly PersonPreferences Default = new(null, DayOfWeek.Monday);
}

/// <summary>Each person's <see cref="PersonPreferences"/>.</summary>
public interface IPreferencesStore
{
    /// <summary>The person's preferences, or <see cref="PersonPreferences.Default"/> when they set none.</summary>
    Task<PersonPreferences> GetPreferencesAsync(long personId, CancellationToken ct = default);
    Task SetPreferencesAsync(long personId, PersonPreferences preferences, CancellationToken ct = default);
}
