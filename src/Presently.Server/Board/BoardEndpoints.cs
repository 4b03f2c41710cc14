using System.Buffers;
using System.Net.WebSockets;
using System.Text;
using Microsoft.Extensions.Options;
using Presently.Server.Auth;
using Presently.Server.Live;
using Presently.Server.Monitoring;
using Presently.Server.Options;
using Presently.Storage;

namespace Presently.Server.Board;

public static class BoardEndpoints
{
    public static IEndpointRouteBuilder MapBoard(this IEndpointRouteBuilder app)
    {
        app.MapGet("/", (HttpContext ctx, IBoardFeed feed, BoardFragments fragments, VisibilityPolicy visibility) =>
        {
            var viewer = Viewer.Of(ctx.User);
            var board = feed.Current();
            return Html.Html.Page<BoardPage>(new { board.Teams, Cards = fragments.Shown(board, person => visibility.For(viewer, person)) });
        }).RequireAuthorization(Policies.Member);

        app.Map("/board/ws", async (HttpContext context, BoardFanOut fanOut, IAccountStore accounts, TimeProvider time,
            IHostApplicationLifetime lifetime, IOptions<ServerOptions> options, ServerMetrics metrics) =>
        {
            if (!context.WebSockets.IsWebSocketRequest) return Results.BadRequest("WebSocket upgrade expected");
            // Cookies ride along on cross-site WebSocket requests, so the Origin must be our own.
            if (!OriginAllowed(context, options.Value)) return Results.StatusCode(StatusCodes.Status403Forbidden);
            using var socket = await context.WebSockets.AcceptWebSocketAsync();
            var session = new BoardSession(context.User, accounts, time, options.Value.SessionRecheckInterval, options.Value.SessionMaxAge);
            metrics.BrowserConnected();
            try
            {
                await StreamAsync(socket, fanOut, Viewer.Of(context.User), session, time, lifetime.ApplicationStopping);
            }
            finally
            {
                metrics.BrowserDisconnected();
            }
            return Results.Empty;
        }).RequireAuthorization(Policies.Member);

        app.MapGet("/account/visibility", (HttpContext ctx, LiveState live, VisibilityPolicy visibility, TimeProvider time) =>
            Html.Html.Page<VisibilityPage>(new
            {
                Mine = live.Person(ctx.User.PersonName()), ForMembers = visibility.OthersForMembers, Setting = visibility.MembersSee, Now = time.GetUtcNow(),
            })).RequireAuthorization(Policies.Member);
        return app;
    }

    private static bool OriginAllowed(HttpContext ctx, ServerOptions options)
    {
        var origin = ctx.Request.Headers.Origin.ToString();
        if (string.IsNullOrEmpty(origin)) return false;
        var own = $"{ctx.Request.Scheme}://{ctx.Request.Host}";
        return string.Equals(origin, own, StringComparison.OrdinalIgnoreCase)
            || options.AllowedOrigins.Contains(origin, StringComparer.OrdinalIgnoreCase);
    }

    private static async Task StreamAsync(WebSocket socket, BoardFanOut fanOut, Viewer viewer, BoardSession session, TimeProvider time, CancellationToken stopping)
    {
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(stopping);
        // The session watch stops only the sending, so the close frame can still say why.
        using var sending = CancellationTokenSource.CreateLinkedTokenSource(cts.Token);
        // The browser sends nothing we need; reading only notices when it goes away.
        var receive = DrainAsync(socket, cts);
        var watch = session.WatchAsync(sending);
        try
        {
            await foreach (var message in fanOut.StreamAsync(viewer, sending.Token))
            {
                // Pooled: a busy board sends thousands of messages a second.
                var bytes = ArrayPool<byte>.Shared.Rent(Encoding.UTF8.GetMaxByteCount(message.Length));
                try
                {
                    var length = Encoding.UTF8.GetBytes(message, bytes);
                    await socket.SendAsync(bytes.AsMemory(0, length), WebSocketMessageType.Text, true, sending.Token);
                }
                finally
                {
                    ArrayPool<byte>.Shared.Return(bytes);
                }
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or WebSocketException)
        {
            // A revoked session (sign-out, password or role change) gets no more updates; reconnecting needs a new sign-in.
            if (session.Ended && socket.State == WebSocketState.Open)
                await socket.CloseOutputAsync(WebSocketCloseStatus.PolicyViolation, "session ended", CancellationToken.None);
        }
        finally
        {
            // After our close frame, let the browser answer it: cancelling the read at once would
            // reset the connection and could lose the close frame on the way.
            if (socket.State == WebSocketState.CloseSent) await Task.WhenAny(receive, Task.Delay(TimeSpan.FromSeconds(2), time, CancellationToken.None));
            await cts.CancelAsync();
            await receive;
            await watch;
        }
    }

    private static async Task DrainAsync(WebSocket socket, CancellationTokenSource cts)
    {
        var buffer = new byte[1024];
        try
        {
            while (!cts.IsCancellationRequested)
            {
                var r = await socket.ReceiveAsync(buffer, cts.Token);
                if (r.MessageType == WebSocketMessageType.Close) break;
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or WebSocketException)
        {
        }
        finally
        {
            await cts.CancelAsync();
        }
    }
}
