using Presently.Protocol;

namespace Presently.Server.Agents;

public static class AgentEndpoints
{
    public static IEndpointRouteBuilder MapAgentEndpoints(this IEndpointRouteBuilder app)
    {
        app.Map(ProtocolConstants.Path, async (HttpContext context, AgentCredentials credentials, AgentConnections connections,
            AgentSessionFactory sessions, IHostApplicationLifetime lifetime) =>
        {
            // The credential is checked before the upgrade: an unknown agent never gets a socket.
            if (await credentials.AuthenticateAsync(context.Request, context.RequestAborted) is not { } principal)
            {
                context.Response.Headers.WWWAuthenticate = "Bearer";
                return Results.Unauthorized();
            }
            if (!context.WebSockets.IsWebSocketRequest) return Results.BadRequest("WebSocket upgrade expected");

            // The shared development credential names its agent only in Hello, so it has no slot to hold.
            using var pending = principal.AgentId is { } id ? connections.TryBeginPending(id) : null;
            if (principal.AgentId is not null && pending is null)
            {
                context.Response.Headers.RetryAfter = "1";
                return Results.StatusCode(StatusCodes.Status429TooManyRequests);
            }

            // The server's compressor is not kept between messages, whatever the agent offers: kept, it
            // holds a few hundred KB per connected agent. (Agents also ask that theirs not be kept.)
            using var socket = await context.WebSockets.AcceptWebSocketAsync(new WebSocketAcceptContext { DangerousEnableCompression = true, DisableServerContextTakeover = true });
            await sessions.Create(socket, principal, pending).RunAsync(lifetime.ApplicationStopping);
            return Results.Empty;
        });
        return app;
    }
}
