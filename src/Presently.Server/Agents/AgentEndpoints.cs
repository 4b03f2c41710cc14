using Presently.Protocol;

namespace Presently.Server.Agents;

public static class AgentEndpoints
{
    public static IEndpointRouteBuilder MapAgentEndpoints(this IEndpointRouteBuilder app)
    {
        app.Map(ProtocolConstants.Path, async (HttpContext context, AgentCredentials credentials, IHostApplicationLifetime lifetime) =>
        {
            // The credential is checked before the upgrade: an unknown agent never gets a socket.
            if (await credentials.AuthenticateAsync(context.Request, context.RequestAborted) is not { } principal)
            {
                context.Response.Headers.WWWAuthenticate = "Bearer";
                return Results.Unauthorized();
            }
            if (!context.WebSockets.IsWebSocketRequest) return Results.BadRequest("WebSocket upgrade expected");

            using var socket = await context.WebSockets.AcceptWebSocketAsync(new WebSocketAcceptContext { DangerousEnableCompression = true });
            await new AgentSession(socket, principal, context.RequestServices).RunAsync(lifetime.ApplicationStopping);
            return Results.Empty;
        });
        return app;
    }
}
