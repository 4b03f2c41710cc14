using Npgsql;

namespace Presently.Storage.Postgres;

/// <summary>Teams in PostgreSQL (<see cref="ITeamStore"/>).</summary>
public sealed partial class PostgresAccounts
{
    public async Task<IReadOnlyList<Team>> ListTeamsAsync(CancellationToken ct = default) =>
        await QueryAsync("SELECT id, name FROM teams ORDER BY name", r => new Team(r.GetInt64(0), r.GetString(1)), ct);

    public Task<Team?> CreateTeamAsync(string name, CancellationToken ct = default) =>
        QuerySingleAsync("INSERT INTO teams(name) VALUES ($1) ON CONFLICT(name) DO NOTHING RETURNING id, name",
            r => new Team(r.GetInt64(0), r.GetString(1)), ct, name);

    public async Task<bool> RenameTeamAsync(long teamId, string name, CancellationToken ct = default) =>
        await ExecuteAsync("UPDATE teams SET name = $2 WHERE id = $1 AND NOT EXISTS (SELECT 1 FROM teams WHERE name = $2 AND id != $1)", ct, teamId, name) == 1;

    public async Task<bool> DeleteTeamAsync(long teamId, CancellationToken ct = default)
    {
        await using var conn = await dataSource.OpenConnectionAsync(ct);
        await using var tx = await conn.BeginTransactionAsync(ct);
        await ExecuteAsync(conn, tx, "DELETE FROM team_members WHERE team_id = $1", ct, teamId);
        var deleted = await ExecuteAsync(conn, tx, "DELETE FROM teams WHERE id = $1", ct, teamId) == 1;
        await tx.CommitAsync(ct);
        return deleted;
    }

    public async Task<bool> SetTeamAsync(long personId, long? teamId, CancellationToken ct = default)
    {
        if (teamId is null)
        {
            await ExecuteAsync("DELETE FROM team_members WHERE person_id = $1", ct, personId);
            return await GetPersonAsync(personId, ct) is not null;
        }
        return await ExecuteAsync("""
            INSERT INTO team_members(person_id, team_id) SELECT p.id, t.id FROM persons p, teams t WHERE p.id = $1 AND t.id = $2
            ON CONFLICT(person_id) DO UPDATE SET team_id = excluded.team_id
            """, ct, personId, teamId.Value) == 1;
    }

    public async Task<IReadOnlyDictionary<string, Team>> ListMembershipsAsync(CancellationToken ct = default) =>
        (await QueryAsync("""
            SELECT p.name, t.id, t.name FROM team_members m JOIN persons p ON p.id = m.person_id JOIN teams t ON t.id = m.team_id
            """, r => (Person: r.GetString(0), Team: new Team(r.GetInt64(1), r.GetString(2))), ct))
        .ToDictionary(x => x.Person, x => x.Team, StringComparer.Ordinal);
}
