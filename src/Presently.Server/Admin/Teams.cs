using Presently.Server.Live;
using Presently.Storage;

namespace Presently.Server.Admin;

/// <summary>Admins' team changes: stored, audited, and the board laid out again at once.</summary>
public sealed class Teams(ITeamStore store, IAccountStore accounts, IAuditLog audit, LiveState live, ILiveUpdates updates, TimeProvider time)
{
    public async Task LoadAsync(CancellationToken ct = default) =>
        live.SetTeams(await store.ListTeamsAsync(ct), await store.ListMembershipsAsync(ct));

    /// <summary>A one-line problem with the name, or null when it will do.</summary>
    public static string? NameProblem(string? name) =>
        string.IsNullOrWhiteSpace(name) ? "Name the team."
        : name.Trim().Length > Team.MaxNameLength ? $"A team name has at most {Team.MaxNameLength} characters."
        : name.Any(char.IsControl) ? "A team name is one line of text."
        : null;

    public async Task<string?> CreateAsync(string actor, string name)
    {
        if (await store.CreateTeamAsync(name.Trim()) is null) return $"There is a team called {name.Trim()} already.";
        await AfterAsync(actor, "created team", name.Trim(), null);
        return null;
    }

    public async Task<string?> RenameAsync(string actor, long teamId, string name)
    {
        if (!await store.RenameTeamAsync(teamId, name.Trim())) return $"There is no such team, or one called {name.Trim()} already.";
        await AfterAsync(actor, "renamed team", name.Trim(), $"team {teamId}");
        return null;
    }

    public async Task<bool> DeleteAsync(string actor, long teamId)
    {
        var team = (await store.ListTeamsAsync()).FirstOrDefault(t => t.Id == teamId);
        if (team is null || !await store.DeleteTeamAsync(teamId)) return false;
        await AfterAsync(actor, "deleted team", team.Name, null);
        return true;
    }

    public async Task<bool> SetTeamAsync(string actor, long personId, long? teamId)
    {
        var person = await accounts.GetPersonAsync(personId);
        if (person is null || !await store.SetTeamAsync(personId, teamId)) return false;
        var team = teamId is null ? null : (await store.ListTeamsAsync()).FirstOrDefault(t => t.Id == teamId);
        await AfterAsync(actor, "changed team", person.Name, team?.Name ?? "(no team)");
        return true;
    }

    private async Task AfterAsync(string actor, string action, string target, string? detail)
    {
        await audit.WriteAsync(time.GetUtcNow(), actor, action, target, detail);
        await LoadAsync();
        updates.TeamsChanged();
    }
}
