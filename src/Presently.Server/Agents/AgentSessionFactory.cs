using System.Net.WebSockets;
using Microsoft.Extensions.Options;
using Presently.Server.Cluster;
using Presently.Server.Ingest;
using Presently.Server.Live;
using Presently.Server.Monitoring;
using Presently.Server.Options;
using Presently.Storage;

namespace Presently.Server.Agents;

/// <summary>What every agent connection needs, injected once; each connection gets its own <see cref="AgentSession"/>.</summary>
public sealed class AgentSessionFactory(
    ISpanStore store,
    IAgentRegistry registry,
    IngestWriter writer,
    ILiveUpdates live,
    AgentConnections connections,
    IAgentControl control,
    AgentRateLimits rateLimits,
    IOptions<ServerOptions> options,
    TimeProvider time,
    ServerMetrics metrics,
    ILogger<AgentSession> log)
{
    public AgentSession Create(WebSocket socket, AgentPrincipal principal, IDisposable? pendingLease) =>
        new(socket, principal, pendingLease, new AgentSession.Dependencies(store, registry, writer, live, connections, control, rateLimits, options.Value, time, metrics, log));
}
