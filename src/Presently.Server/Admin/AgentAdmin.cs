using Presently.Protocol;
using Presently.Server.Agents;
using Presently.Server.Cluster;
using Presently.Server.Live;
using Presently.Storage;

namespace Presently.Server.Admin;

/// <summary>What an admin can do to an agent; every action is audited and takes effect on the live connection.</summary>
public sealed class AgentAdmin(IAgentRegistry registry, IAccountStore accounts, ISpanStore spans, IAgentControl agents, LiveState live, ILiveUpdates updates, IAuditLog audit, TimeProvider time)
{
    public async Task<bool> BlockAsync(string actor, string agentId)
    {
        if (!await registry.SetStatusAsync(agentId, AgentStatus.Blocked)) return false;
        await audit.WriteAsync(time.GetUtcNow(), actor, "blocked agent", agentId);
        // The credential check refuses reconnects from now on; the live connection goes at once.
        await agents.CloseAsync(agentId, CloseCodes.Blocked, "blocked by an admin");
        return true;
    }

    public async Task<bool> UnblockAsync(string actor, string agentId)
    {
        if (!await registry.SetStatusAsync(agentId, AgentStatus.Active)) return false;
        await audit.WriteAsync(time.GetUtcNow(), actor, "unblocked agent", agentId);
        return true;
    }

    public async Task<bool> RemoveAsync(string actor, string agentId, bool deleteData)
    {
        var owner = await PersonOfAsync(agentId);
        if (!await registry.RemoveAsync(agentId, deleteData)) return false;
        // Time the removed agent held goes back to the person's other devices.
        if (deleteData && owner is { } personId) await spans.RecountPeopleAsync([personId]);
        await audit.WriteAsync(time.GetUtcNow(), actor, deleteData ? "removed agent and deleted its data" : "removed agent, kept its data", agentId);
        await agents.CloseAsync(agentId, CloseCodes.Removed, "removed by an admin");
        updates.Removed(agentId);
        return true;
    }

    public async Task<bool> RenameAsync(string actor, string agentId, string? name)
    {
        name = string.IsNullOrWhiteSpace(name) ? null : name.Trim()[..Math.Min(name.Trim().Length, 128)];
        if (!await registry.RenameAsync(agentId, name)) return false;
        await audit.WriteAsync(time.GetUtcNow(), actor, "renamed agent", agentId, name ?? "(no name)");
        if (live.Get(agentId) is { } view) updates.Identify(agentId, view.Person, name);
        return true;
    }

    public async Task<bool> ReassignAsync(string actor, string agentId, long personId)
    {
        var person = await accounts.GetPersonAsync(personId);
        var owner = await PersonOfAsync(agentId);
        if (person is null || !await registry.ReassignAsync(agentId, personId)) return false;
        // Which device held each instant changes for both people.
        await spans.RecountPeopleAsync(owner is { } before && before != personId ? [before, personId] : [personId]);
        await audit.WriteAsync(time.GetUtcNow(), actor, "reassigned agent", agentId, $"to {person.Name}");
        if (live.Get(agentId) is { } view) updates.Identify(agentId, person.Name, view.Name);
        return true;
    }

    private async Task<long?> PersonOfAsync(string agentId) =>
        (await registry.ListAgentsAsync()).FirstOrDefault(a => a.AgentId == agentId)?.PersonId;
}
