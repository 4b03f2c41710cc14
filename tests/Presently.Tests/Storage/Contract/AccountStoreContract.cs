using Microsoft.Extensions.Time.Testing;
using Presently.Storage;

namespace Presently.Tests.Storage.Contract;

/// <summary>
/// What every account store does, run against each implementation: people and their sessions,
/// settings, enrollment codes, agents and the audit log. A subclass gives an empty, migrated store.
/// </summary>
public abstract partial class AccountStoreContract : IAsyncLifetime
{
    protected static readonly DateTimeOffset T0 = new(2026, 11, 29, 9, 0, 0, TimeSpan.Zero);

    private IAccountStore _accounts = null!;
    private IAgentRegistry _agents = null!;
    private IAuditLog _audit = null!;

    protected FakeTimeProvider Time { get; } = new(T0);

    protected IAuditLog AuditLog => _audit;

    /// <summary>Every account store keeps teams too.</summary>
    private ITeamStore Teams => (ITeamStore)_accounts;

    /// <summary>The store under test on an empty database with the whole schema.</summary>
    protected abstract Task<(IAccountStore Accounts, IAgentRegistry Agents, IAuditLog Audit)> CreateStoreAsync(TimeProvider time);

    /// <summary>Writes rows of the agent into the tables that hold its data; returns the agent's key.</summary>
    protected abstract Task<long> AddAgentDataAsync(string agentId);

    /// <summary>How many rows of the agent's data there are, over every such table.</summary>
    protected abstract Task<long> CountAgentDataAsync(long agentKey);

    /// <summary>Runs SQL written the same for both databases, as a hand edit or an older server might.</summary>
    protected abstract Task ExecuteSqlAsync(string sql);

    protected abstract ValueTask DisposeStoreAsync();

    public async ValueTask InitializeAsync() => (_accounts, _agents, _audit) = await CreateStoreAsync(Time);

    public ValueTask DisposeAsync() => DisposeStoreAsync();

    // ---- helpers ----

    private async Task<Person> Person(string name, Role role = Role.Member, string? password = null) =>
        await _accounts.SavePersonAsync(name, role, password);

    private async Task<string> Stamp(long id) => (await _accounts.GetPersonAsync(id))!.SecurityStamp;

    private static int _codes;

    /// <summary>A code for the person, open an hour (or <paramref name="lifetime"/>) from <see cref="T0"/>.</summary>
    private async Task<(string Hash, long Id)> Code(Person person, TimeSpan? lifetime = null)
    {
        var hash = "code-" + Interlocked.Increment(ref _codes);
        return (hash, await _agents.CreateCodeAsync(hash, "CODE", person.Id, "admin", T0, T0 + (lifetime ?? TimeSpan.FromHours(1))));
    }

    /// <summary>An agent of the person, enrolled as the server does it; its credential hash is "cred-" + id.</summary>
    private async Task<string> Agent(Person person, string id, string host = "host")
    {
        var (outcome, owner) = await _agents.RedeemCodeAsync((await Code(person)).Hash, id, "cred-" + id, host, "Linux", "1.0", T0);
        Assert.Equal((RedeemOutcome.Enrolled, person.Name), (outcome, owner));
        return id;
    }

    // ---- people ----

    [Fact]
    public async Task A_saved_person_is_found_by_name_and_id_with_a_random_stamp()
    {
        var ann = await Person("ann", Role.Admin, "hash-a");
        var bob = await Person("bob");

        Assert.Equal(ann, await _accounts.FindPersonAsync("ann"));
        Assert.Equal(bob, await _accounts.GetPersonAsync(bob.Id));
        Assert.Equal(("ann", Role.Admin, "hash-a"), (ann.Name, ann.Role, ann.PasswordHash));
        Assert.Equal((Role.Member, (string?)null), (bob.Role, bob.PasswordHash));
        Assert.Null(await _accounts.FindPersonAsync("Ann"));
        Assert.Null(await _accounts.GetPersonAsync(bob.Id + 100));
        Assert.All(new[] { ann, bob }, p => Assert.Matches("^[0-9a-f]{32}$", p.SecurityStamp));
        Assert.NotEqual(ann.SecurityStamp, bob.SecurityStamp);
    }

    [Fact]
    public async Task People_are_listed_by_name_in_byte_order()
    {
        foreach (var name in new[] { "bob", "ann", "Zed", "Ann", "éva" }) await Person(name);
        Assert.Equal(["Ann", "Zed", "ann", "bob", "éva"], (await _accounts.ListPeopleAsync()).Select(p => p.Name));
    }

    [Fact]
    public async Task Saving_again_ends_sessions_only_for_a_new_role_or_password()
    {
        var ann = await Person("ann", Role.Member, "hash-1");

        var same = await Person("ann", Role.Member, null);
        Assert.Equal((ann.Id, ann.SecurityStamp, "hash-1"), (same.Id, same.SecurityStamp, same.PasswordHash));

        var promoted = await Person("ann", Role.Admin, null);
        Assert.Equal((Role.Admin, "hash-1"), (promoted.Role, promoted.PasswordHash));
        Assert.NotEqual(same.SecurityStamp, promoted.SecurityStamp);

        var repassworded = await Person("ann", Role.Admin, "hash-2");
        Assert.Equal("hash-2", repassworded.PasswordHash);
        Assert.NotEqual(promoted.SecurityStamp, repassworded.SecurityStamp);
        Assert.Single(await _accounts.ListPeopleAsync());
    }

    [Fact]
    public async Task Setting_the_password_or_rotating_the_stamp_ends_that_persons_sessions()
    {
        var ann = await Person("ann", Role.Member, "hash-1");
        var bob = await Person("bob");

        await _accounts.SetPasswordAsync(ann.Id, "hash-2");
        var after = (await _accounts.GetPersonAsync(ann.Id))!;
        Assert.Equal("hash-2", after.PasswordHash);
        Assert.NotEqual(ann.SecurityStamp, after.SecurityStamp);

        await _accounts.RotateSecurityStampAsync(ann.Id);
        Assert.NotEqual(after.SecurityStamp, await Stamp(ann.Id));
        Assert.Equal(bob.SecurityStamp, await Stamp(bob.Id));
    }

    [Fact]
    public async Task Updating_a_person_sets_role_and_email_and_a_new_email_unbinds_single_sign_on()
    {
        var ann = await Person("ann");
        Assert.False(await _accounts.UpdatePersonAsync(ann.Id + 100, Role.Admin, null));

        // Nothing new: the sessions go on.
        Assert.True(await _accounts.UpdatePersonAsync(ann.Id, Role.Member, "  "));
        Assert.Equal(ann.SecurityStamp, await Stamp(ann.Id));

        // An e-mail is stored trimmed and in lower case.
        Assert.True(await _accounts.UpdatePersonAsync(ann.Id, Role.Member, " Ann@Example.ORG "));
        var withEmail = (await _accounts.GetPersonAsync(ann.Id))!;
        Assert.Equal("ann@example.org", withEmail.Email);
        Assert.NotEqual(ann.SecurityStamp, withEmail.SecurityStamp);
        Assert.True(await _accounts.BindOidcAsync(ann.Id, "https://idp", "sub-1"));

        // The same e-mail and a new role: sessions end, the binding stays.
        Assert.True(await _accounts.UpdatePersonAsync(ann.Id, Role.Admin, "ann@example.org"));
        var admin = (await _accounts.GetPersonAsync(ann.Id))!;
        Assert.Equal((Role.Admin, "https://idp", "sub-1"), (admin.Role, admin.OidcIssuer, admin.OidcSubject));
        Assert.NotEqual(withEmail.SecurityStamp, admin.SecurityStamp);

        // Nothing new again: stamp and binding stay.
        Assert.True(await _accounts.UpdatePersonAsync(ann.Id, Role.Admin, "ANN@example.org"));
        Assert.Equal(admin, await _accounts.GetPersonAsync(ann.Id));

        // A new e-mail unbinds the provider account and ends the sessions.
        Assert.True(await _accounts.UpdatePersonAsync(ann.Id, Role.Admin, "ann@other.org"));
        var moved = (await _accounts.GetPersonAsync(ann.Id))!;
        Assert.Equal(("ann@other.org", (string?)null, (string?)null), (moved.Email, moved.OidcIssuer, moved.OidcSubject));
        Assert.NotEqual(admin.SecurityStamp, moved.SecurityStamp);

        // Removing the e-mail unbinds too.
        Assert.True(await _accounts.BindOidcAsync(ann.Id, "https://idp", "sub-2"));
        Assert.True(await _accounts.UpdatePersonAsync(ann.Id, Role.Admin, null));
        var none = (await _accounts.GetPersonAsync(ann.Id))!;
        Assert.Equal(((string?)null, (string?)null), (none.Email, none.OidcSubject));
        Assert.NotEqual(moved.SecurityStamp, none.SecurityStamp);
    }

    [Fact]
    public async Task A_provider_account_binds_once_and_finds_its_person()
    {
        var ann = await Person("ann");
        await _accounts.UpdatePersonAsync(ann.Id, Role.Member, "ann@example.org");

        Assert.Equal(ann.Id, (await _accounts.FindByEmailAsync(" ANN@Example.org"))?.Id);
        Assert.Null(await _accounts.FindByEmailAsync("bob@example.org"));
        Assert.False(await _accounts.BindOidcAsync(ann.Id + 100, "https://idp", "sub-1"));
        Assert.True(await _accounts.BindOidcAsync(ann.Id, "https://idp", "sub-1"));
        Assert.False(await _accounts.BindOidcAsync(ann.Id, "https://idp", "sub-2"));

        Assert.Equal(ann.Id, (await _accounts.FindByOidcAsync("https://idp", "sub-1"))?.Id);
        Assert.Null(await _accounts.FindByOidcAsync("https://idp", "sub-2"));
        Assert.Null(await _accounts.FindByOidcAsync("https://other", "sub-1"));
    }

    [Fact]
    public async Task There_is_an_admin_only_once_an_admin_has_a_password()
    {
        Assert.False(await _accounts.AnyAdminAsync());
        await Person("ann", Role.Member, "hash");
        var bob = await Person("bob", Role.Admin);
        Assert.False(await _accounts.AnyAdminAsync());
        await _accounts.SetPasswordAsync(bob.Id, "hash");
        Assert.True(await _accounts.AnyAdminAsync());
    }

    [Fact]
    public async Task Settings_are_set_replaced_and_deleted()
    {
        Assert.Null(await _accounts.GetSettingAsync("k"));
        await _accounts.SetSettingAsync("k", "1");
        await _accounts.SetSettingAsync("other", "x");
        await _accounts.SetSettingAsync("k", "2");
        Assert.Equal("2", await _accounts.GetSettingAsync("k"));
        await _accounts.SetSettingAsync("k", null);
        Assert.Null(await _accounts.GetSettingAsync("k"));
        Assert.Equal("x", await _accounts.GetSettingAsync("other"));
    }

    [Fact]
    public async Task A_setting_is_consumed_once_and_only_with_its_value()
    {
        await _accounts.SetSettingAsync("token", "t1");
        Assert.False(await _accounts.ConsumeSettingAsync("token", "t2"));
        Assert.True(await _accounts.ConsumeSettingAsync("token", "t1"));
        Assert.False(await _accounts.ConsumeSettingAsync("token", "t1"));
        Assert.Null(await _accounts.GetSettingAsync("token"));

        await _accounts.SetSettingAsync("token", "t3");
        var all = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Task.Run(() => _accounts.ConsumeSettingAsync("token", "t3"))));
        Assert.Single(all, consumed => consumed);
    }

    // ---- enrollment codes ----

    [Fact]
    public async Task Codes_are_listed_newest_first_with_their_person_and_state()
    {
        var ann = await Person("ann");
        var bob = await Person("bob");
        var first = await _agents.CreateCodeAsync("h1", "AAAA", ann.Id, "root", T0, T0.AddHours(1));
        var second = await _agents.CreateCodeAsync("h2", "BBBB", bob.Id, "ann", T0.AddMinutes(1), T0.AddMinutes(2));
        Assert.NotEqual(first, second);

        var codes = await _agents.ListCodesAsync();
        Assert.Equal([second, first], codes.Select(c => c.Id));
        Assert.Equal(new EnrollmentCodeInfo(second, "BBBB", "bob", "ann", T0.AddMinutes(1), T0.AddMinutes(2), null, null, null), codes[0]);
        Assert.Equal(("open", "expired"), (codes[0].State(T0.AddMinutes(1)), codes[0].State(T0.AddMinutes(2))));
    }

    [Fact]
    public async Task A_code_is_revoked_once_and_never_after_use()
    {
        var ann = await Person("ann");
        var id = await _agents.CreateCodeAsync("h1", "AAAA", ann.Id, "root", T0, T0.AddHours(1));
        Assert.True(await _agents.RevokeCodeAsync(id, T0.AddMinutes(5)));
        Assert.False(await _agents.RevokeCodeAsync(id, T0.AddMinutes(6)));
        Assert.Equal(T0.AddMinutes(5), (await _agents.ListCodesAsync()).Single().Revoked);
        Assert.False(await _agents.RevokeCodeAsync(id + 100, T0));

        await Agent(ann, "a1");
        var used = (await _agents.ListCodesAsync()).Single(c => c.UsedByAgent == "a1");
        Assert.False(await _agents.RevokeCodeAsync(used.Id, T0.AddMinutes(7)));
        Assert.Equal("used", (await _agents.ListCodesAsync()).Single(c => c.Id == used.Id).State(T0));
    }

    [Fact]
    public async Task Redeeming_a_code_enrolls_an_active_agent_once()
    {
        var ann = await Person("ann");
        var (code, _) = await Code(ann);
        Time.Advance(TimeSpan.FromHours(5)); // The store goes by the time it is given.

        Assert.Equal((RedeemOutcome.Enrolled, "ann"), await _agents.RedeemCodeAsync(code, "a1", "cred-1", "desk", "Linux", "1.2", T0.AddMinutes(3)));
        Assert.Equal((RedeemOutcome.Used, (string?)null), await _agents.RedeemCodeAsync(code, "a2", "cred-2", "desk", "Linux", "1.2", T0.AddMinutes(4)));

        var listed = (await _agents.ListCodesAsync()).Single();
        Assert.Equal((T0.AddMinutes(3), "a1"), (listed.Used, listed.UsedByAgent));
        Assert.Equal(AgentStatus.Active, await _agents.GetStatusAsync("a1"));
        Assert.Null(await _agents.GetStatusAsync("a2"));
        Assert.Equal(new AgentAdminView("a1", null, "ann", ann.Id, "desk", "Linux", "1.2", AgentStatus.Active, T0.AddMinutes(3), 0, true),
            Assert.Single(await _agents.ListAgentsAsync()));
    }

    [Fact]
    public async Task Redeeming_says_why_a_code_does_not_enroll()
    {
        var ann = await Person("ann");
        var (expiring, _) = await Code(ann, TimeSpan.FromMinutes(10));
        var (revoked, revokedId) = await Code(ann, TimeSpan.FromMinutes(1));
        Assert.True(await _agents.RevokeCodeAsync(revokedId, T0));

        Task<(RedeemOutcome, string?)> Redeem(string code, DateTimeOffset at) => _agents.RedeemCodeAsync(code, "a-" + code, "cred-" + code, "h", "Linux", "1", at);
        Assert.Equal((RedeemOutcome.Unknown, (string?)null), await Redeem("no-such-code", T0));
        Assert.Equal((RedeemOutcome.Expired, (string?)null), await Redeem(expiring, T0.AddMinutes(10)));
        // Revoked wins over expired: the admin's act is the reason given.
        Assert.Equal((RedeemOutcome.Revoked, (string?)null), await Redeem(revoked, T0.AddMinutes(30)));
        Assert.Empty(await _agents.ListAgentsAsync());
        Assert.Equal((RedeemOutcome.Enrolled, "ann"), await Redeem(expiring, T0.AddMinutes(10).AddMilliseconds(-1)));
    }

    [Fact]
    public async Task Concurrent_redeems_of_one_code_enroll_exactly_one_agent()
    {
        var ann = await Person("ann");
        // Connections opened first and all redeems let go at once, several times over: the race is run, not hoped for.
        await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Task.Run(() => _agents.GetStatusAsync("none"))));
        for (var round = 0; round < 10; round++)
        {
            var (code, _) = await Code(ann);
            var go = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            var redeems = Enumerable.Range(0, 8).Select(i => Task.Run(async () =>
            {
                await go.Task;
                return await _agents.RedeemCodeAsync(code, $"a{round}-{i}", $"cred-{round}-{i}", "h", "Linux", "1", T0);
            })).ToList();
            go.SetResult();
            var outcomes = await Task.WhenAll(redeems);

            Assert.Single(outcomes, o => o.Outcome == RedeemOutcome.Enrolled);
            Assert.Equal(7, outcomes.Count(o => o.Outcome == RedeemOutcome.Used));
        }
        var agents = await _agents.ListAgentsAsync();
        Assert.Equal(10, agents.Count);
        Assert.Equal(agents.Select(a => a.AgentId).Order(), (await _agents.ListCodesAsync()).Select(c => c.UsedByAgent!).Order());
    }

    // ---- agents ----

    [Fact]
    public async Task An_agent_is_found_by_its_credential_with_its_owner_and_status()
    {
        var ann = await Person("ann");
        await Agent(ann, "a1");
        Assert.Equal(new AgentCredential("a1", "ann", ann.Id, AgentStatus.Active), await _agents.FindByCredentialAsync("cred-a1"));
        Assert.Null(await _agents.FindByCredentialAsync("cred-a2"));
        Assert.Null(await _agents.GetStatusAsync("a2"));
    }

    [Fact]
    public async Task Agents_are_listed_by_owner_then_host_without_the_removed()
    {
        // Byte order, as SQLite sorts: upper case before lower case.
        var bob = await Person("Bob");
        var ann = await Person("ann");
        await Agent(bob, "b1", "zeta");
        await Agent(bob, "b2", "Zulu");
        await Agent(ann, "a1", "yak");
        await Agent(ann, "a2", "gone");
        await _agents.RemoveAsync("a2", deleteData: false);
        await _agents.SetStatusAsync("b1", AgentStatus.Blocked);

        var listed = await _agents.ListAgentsAsync();
        Assert.Equal(["b2", "b1", "a1"], listed.Select(a => a.AgentId));
        Assert.Equal(AgentStatus.Blocked, listed[1].Status);
    }

    [Fact]
    public async Task An_agent_is_renamed_and_the_name_cleared()
    {
        var ann = await Person("ann");
        await Agent(ann, "a1");
        Assert.True(await _agents.RenameAsync("a1", "laptop"));
        Assert.Equal("laptop", (await _agents.ListAgentsAsync()).Single().Name);
        Assert.True(await _agents.RenameAsync("a1", null));
        Assert.Null((await _agents.ListAgentsAsync()).Single().Name);
        Assert.False(await _agents.RenameAsync("a2", "x"));
    }

    [Fact]
    public async Task An_agent_is_reassigned_only_to_someone_who_exists()
    {
        var ann = await Person("ann");
        var bob = await Person("bob");
        await Agent(ann, "a1");

        Assert.False(await _agents.ReassignAsync("a1", bob.Id + 100));
        Assert.False(await _agents.ReassignAsync("a2", bob.Id));
        Assert.Equal("ann", (await _agents.FindByCredentialAsync("cred-a1"))!.Person);
        Assert.True(await _agents.ReassignAsync("a1", bob.Id));
        Assert.Equal(new AgentCredential("a1", "bob", bob.Id, AgentStatus.Active), await _agents.FindByCredentialAsync("cred-a1"));
    }

    [Fact]
    public async Task An_agent_is_blocked_and_unblocked_but_a_removed_one_stays_removed()
    {
        var ann = await Person("ann");
        await Agent(ann, "a1");
        Assert.True(await _agents.SetStatusAsync("a1", AgentStatus.Blocked));
        Assert.Equal(AgentStatus.Blocked, (await _agents.FindByCredentialAsync("cred-a1"))!.Status);
        Assert.True(await _agents.SetStatusAsync("a1", AgentStatus.Active));
        Assert.Equal(AgentStatus.Active, await _agents.GetStatusAsync("a1"));
        Assert.False(await _agents.SetStatusAsync("a2", AgentStatus.Blocked));

        Assert.True(await _agents.SetStatusAsync("a1", AgentStatus.Removed));
        Assert.False(await _agents.SetStatusAsync("a1", AgentStatus.Active));
        Assert.Equal(AgentStatus.Removed, await _agents.GetStatusAsync("a1"));
    }

    [Fact]
    public async Task A_status_the_code_does_not_know_counts_as_removed()
    {
        var ann = await Person("ann");
        await Agent(ann, "a1");
        await ExecuteSqlAsync("UPDATE agents SET status = 'Active'");
        Assert.Equal(AgentStatus.Removed, await _agents.GetStatusAsync("a1"));
        Assert.Equal(AgentStatus.Removed, (await _agents.FindByCredentialAsync("cred-a1"))!.Status);
    }

    [Fact]
    public async Task Removing_an_agent_keeps_its_data_but_revokes_its_credential()
    {
        var ann = await Person("ann");
        await Agent(ann, "a1");
        var key = await AddAgentDataAsync("a1");
        var rows = await CountAgentDataAsync(key);
        Assert.True(rows > 0);

        Assert.True(await _agents.RemoveAsync("a1", deleteData: false));
        Assert.Equal(AgentStatus.Removed, await _agents.GetStatusAsync("a1"));
        Assert.Null(await _agents.FindByCredentialAsync("cred-a1"));
        Assert.Empty(await _agents.ListAgentsAsync());
        Assert.Equal(rows, await CountAgentDataAsync(key));
        Assert.False(await _agents.RemoveAsync("a2", deleteData: false));
    }

    [Fact]
    public async Task Removing_an_agent_with_its_data_deletes_every_row_of_it_and_nothing_else()
    {
        var ann = await Person("ann");
        await Agent(ann, "a1");
        await Agent(ann, "a2");
        var key = await AddAgentDataAsync("a1");
        var otherKey = await AddAgentDataAsync("a2");
        var otherRows = await CountAgentDataAsync(otherKey);

        Assert.True(await _agents.RemoveAsync("a1", deleteData: true));
        Assert.Equal(0, await CountAgentDataAsync(key));
        Assert.Equal(otherRows, await CountAgentDataAsync(otherKey));
        Assert.Null(await _agents.GetStatusAsync("a1"));
        Assert.Null(await _agents.FindByCredentialAsync("cred-a1"));
        // The code that enrolled it no longer names it.
        Assert.Equal(["a2"], (await _agents.ListCodesAsync()).Select(c => c.UsedByAgent).OfType<string>());
        Assert.Equal(["a2"], (await _agents.ListAgentsAsync()).Select(a => a.AgentId));
        Assert.False(await _agents.RemoveAsync("a1", deleteData: true));
    }

    // ---- API tokens ----

    private async Task<ApiTokenInfo> ApiToken(Person person, string name, string hash) =>
        await _accounts.CreateApiTokenAsync(person.Id, name, hash, "pat_" + hash[..4] + "…", ApiTokenScope.Read, Time.GetUtcNow(), 20)
        ?? throw new InvalidOperationException($"no token {name} for {person.Name}");

    [Fact]
    public async Task An_api_token_is_found_by_its_hash_with_its_person_as_stored_now()
    {
        var ann = await Person("ann");
        var created = await ApiToken(ann, "sheet", "hash-sheet");
        Assert.Equal(new ApiTokenInfo(created.Id, "sheet", "pat_hash…", ApiTokenScope.Read, T0, null), created);

        var found = await _accounts.FindApiTokenAsync("hash-sheet");
        Assert.Equal(new ApiTokenMatch(created, ann), found);
        Assert.Null(await _accounts.FindApiTokenAsync("hash-other"));
        Assert.Null(await _accounts.FindApiTokenAsync("HASH-SHEET"));

        // The person comes as stored at each lookup: a new role holds at the token's next use.
        await _accounts.UpdatePersonAsync(ann.Id, Role.Admin, null);
        Assert.Equal(Role.Admin, (await _accounts.FindApiTokenAsync("hash-sheet"))!.Person.Role);
    }

    [Fact]
    public async Task Api_tokens_are_listed_newest_first_and_only_to_their_person()
    {
        var ann = await Person("ann");
        var bob = await Person("bob");
        var first = await ApiToken(ann, "first", "hash-1");
        Time.Advance(TimeSpan.FromMinutes(1));
        var second = await ApiToken(ann, "second", "hash-2");
        var bobs = await ApiToken(bob, "bob's", "hash-3");

        Assert.Equal([second, first], await _accounts.ListApiTokensAsync(ann.Id));
        Assert.Equal([bobs], await _accounts.ListApiTokensAsync(bob.Id));
        Assert.Equal(T0.AddMinutes(1), second.Created);
        Assert.Empty(await _accounts.ListApiTokensAsync(bob.Id + 100));
    }

    [Fact]
    public async Task A_revoked_api_token_is_gone_at_once_and_only_its_person_revokes_it()
    {
        var ann = await Person("ann");
        var bob = await Person("bob");
        var token = await ApiToken(ann, "sheet", "hash-sheet");

        Assert.Null(await _accounts.RevokeApiTokenAsync(bob.Id, token.Id));
        Assert.NotNull(await _accounts.FindApiTokenAsync("hash-sheet"));
        Assert.Equal(token, await _accounts.RevokeApiTokenAsync(ann.Id, token.Id));
        Assert.Null(await _accounts.FindApiTokenAsync("hash-sheet"));
        Assert.Empty(await _accounts.ListApiTokensAsync(ann.Id));
        Assert.Null(await _accounts.RevokeApiTokenAsync(ann.Id, token.Id));
    }

    [Fact]
    public async Task A_person_has_at_most_the_bound_of_api_tokens_even_when_created_at_once()
    {
        var ann = await Person("ann");
        Task<ApiTokenInfo?> Create(long personId, string hash, int max) =>
            _accounts.CreateApiTokenAsync(personId, hash, hash, "pat_x…", ApiTokenScope.Read, T0, max);

        Assert.NotNull(await Create(ann.Id, "a1", 2));
        var second = await Create(ann.Id, "a2", 2);
        Assert.Null(await Create(ann.Id, "a3", 2));
        await _accounts.RevokeApiTokenAsync(ann.Id, second!.Id);
        Assert.NotNull(await Create(ann.Id, "a4", 2));
        Assert.Null(await Create(ann.Id + 100, "nobody", 2));

        // Connections opened first and all creates let go at once: the race is run, not hoped for.
        var bob = await Person("bob");
        await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Task.Run(() => _accounts.ListApiTokensAsync(bob.Id))));
        var go = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var creates = Enumerable.Range(0, 8).Select(i => Task.Run(async () =>
        {
            await go.Task;
            return await Create(bob.Id, $"b{i}", 5);
        })).ToList();
        go.SetResult();
        Assert.Equal(5, (await Task.WhenAll(creates)).Count(t => t is not null));
        Assert.Equal(5, (await _accounts.ListApiTokensAsync(bob.Id)).Count);
    }

    [Fact]
    public async Task An_api_tokens_use_is_recorded_at_most_once_an_interval()
    {
        var ann = await Person("ann");
        var token = await ApiToken(ann, "poller", "hash-poll");
        var minute = TimeSpan.FromMinutes(1);

        Assert.True(await _accounts.RecordApiTokenUseAsync(token.Id, T0, minute));
        Assert.False(await _accounts.RecordApiTokenUseAsync(token.Id, T0.AddSeconds(59), minute));
        Assert.Equal(T0, (await _accounts.FindApiTokenAsync("hash-poll"))!.Token.LastUsed);
        Assert.True(await _accounts.RecordApiTokenUseAsync(token.Id, T0.AddMinutes(1), minute));
        Assert.Equal(T0.AddMinutes(1), Assert.Single(await _accounts.ListApiTokensAsync(ann.Id)).LastUsed);
        Assert.False(await _accounts.RecordApiTokenUseAsync(token.Id + 100, T0.AddHours(1), minute));
    }

    [Fact]
    public async Task The_api_tokens_of_a_removed_person_are_not_found()
    {
        var gone = await Person("gone");
        await ApiToken(gone, "sheet", "hash-gone");
        await ExecuteSqlAsync("DELETE FROM persons WHERE name = 'gone'");
        Assert.Null(await _accounts.FindApiTokenAsync("hash-gone"));
    }

    [Fact]
    public async Task An_api_token_scope_the_code_does_not_know_grants_nothing()
    {
        var ann = await Person("ann");
        await ApiToken(ann, "sheet", "hash-sheet");
        await ExecuteSqlAsync("UPDATE api_tokens SET scope = 'Read'");
        Assert.Null(await _accounts.FindApiTokenAsync("hash-sheet"));
        // Still listed (as none), so its owner can revoke it.
        Assert.Equal(ApiTokenScope.None, Assert.Single(await _accounts.ListApiTokensAsync(ann.Id)).Scope);
    }

    // ---- audit ----

    [Fact]
    public async Task The_audit_log_pages_newest_first_and_filters_by_action()
    {
        for (var i = 0; i < 5; i++)
            await _audit.WriteAsync(T0.AddMinutes(i), "ann", i % 2 == 0 ? "signed in" : "changed person", $"t{i}", i == 0 ? null : $"d{i}");

        var page = await _audit.ListAsync(2);
        Assert.Equal(["t4", "t3"], page.Select(e => e.Target));
        Assert.Equal(new AuditEntry(T0.AddMinutes(4), "ann", "signed in", "t4", "d4") { Id = page[0].Id }, page[0]);
        var next = await _audit.ListAsync(2, before: page[^1].Id);
        Assert.Equal(["t2", "t1"], next.Select(e => e.Target));
        var last = await _audit.ListAsync(2, before: next[^1].Id);
        Assert.Equal(new AuditEntry(T0, "ann", "signed in", "t0", null) { Id = last[0].Id }, Assert.Single(last));

        Assert.Equal(["t4", "t2", "t0"], (await _audit.ListAsync(10, action: "signed in")).Select(e => e.Target));
        Assert.Equal(["t2", "t0"], (await _audit.ListAsync(10, before: page[0].Id, action: "signed in")).Select(e => e.Target));
        Assert.Empty(await _audit.ListAsync(10, action: "nothing"));
        // A limit below one still shows one entry.
        Assert.Equal(["t4"], (await _audit.ListAsync(0)).Select(e => e.Target));
    }

    [Fact]
    public async Task The_audit_actions_are_listed_once_each_in_byte_order()
    {
        Assert.Empty(await _audit.ListActionsAsync());
        foreach (var action in new[] { "signed in", "Zapped", "added", "signed in" }) await _audit.WriteAsync(T0, "ann", action, "x");
        Assert.Equal(["Zapped", "added", "signed in"], await _audit.ListActionsAsync());
    }

    [Fact]
    public async Task Audit_fields_are_cut_to_the_maximum_length_never_through_a_surrogate_pair()
    {
        var limit = AuditEntry.MaxFieldLength;
        var longText = new string('x', 500);
        // An emoji (two UTF-16 units) straddling the cut: it goes whole.
        var straddling = new string('y', limit - 2) + "😀" + "tail";
        await _audit.WriteAsync(T0, longText, longText, straddling, longText);
        await _audit.WriteAsync(T0, new string('a', limit), "fits", "t");

        var entries = await _audit.ListAsync(2);
        var (cut, fits) = (entries[1], entries[0]);
        Assert.Equal(new string('x', limit - 1) + "…", cut.Actor);
        Assert.Equal(cut.Actor, cut.Action);
        Assert.Equal(cut.Actor, cut.Detail);
        Assert.Equal(new string('y', limit - 2) + "…", cut.Target);
        Assert.Equal(new string('a', limit), fits.Actor);
    }

    [Fact]
    public async Task Half_a_surrogate_pair_is_stored_as_a_replacement_character()
    {
        // Whatever anyone types at the sign-in form is logged: it must be stored, not fail the request.
        await _audit.WriteAsync(T0, "x\uD83Dy", "signed in", "z\uDE00");
        var entry = Assert.Single(await _audit.ListAsync(1));
        Assert.Equal(("x\uFFFDy", "z\uFFFD"), (entry.Actor, entry.Target));
    }
}
