using System.ComponentModel;
using Presently.Server.Agents;
using Presently.Storage;

namespace Presently.Server.Admin;

/// <summary>An agent as /api/v1/agents lists it; a type so the OpenAPI document can describe it.</summary>
[Description("An enrolled computer and what the server knows of it.")]
public sealed record AgentResponse(
    [property: Description("The agent's id, fixed at enrollment.")] string AgentId,
    [property: Description("The name an admin gave it, or null.")] string? Name,
    [property: Description("The person it belongs to.")] string Person,
    [property: Description("Its host name, as the agent reported it.")] string Host,
    [property: Description("Its operating system.")] string Os,
    [property: Description("The agent's version.")] string Version,
    [property: Description("active, blocked or removed.")] string Status,
    [property: Description("Whether it is connected to this server now.")] bool Online,
    [property: Description("When the server last heard from it.")] DateTimeOffset LastSeen,
    [property: Description("How far its clock was off the server's at its last connection, in milliseconds (positive: behind).")] long ClockOffsetMs)
{
    public static AgentResponse Of(AgentAdminView a, AgentConnections connections) =>
        new(a.AgentId, a.Name, a.Person, a.Host, a.Os, a.Version, a.Status.Name(), connections.IsConnected(a.AgentId), a.LastSeen, a.ClockOffsetMs);
}
