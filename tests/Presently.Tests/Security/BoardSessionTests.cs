using System.Net.WebSockets;
using Microsoft.Extensions.DependencyInjection;
using Presently.Storage;
using Presently.Tests.Fixtures;

namespace Presently.Tests.Security;

/// <summary>An open board WebSocket ends with the session behind it: revoked sessions get no more live updates.</summary>
public sealed class BoardSessionTests : IAsyncLifetime
{
    private ServerHost _server = null!;

    public async ValueTask InitializeAsync() =>
        _server = await ServerHost.StartAsync(null, null, "--Presently:SessionRecheckInterval", "00:00:00.100");

    public async ValueTask DisposeAsync() => await _server.DisposeAsync();

    private static async Task<WebSocketCloseStatus?> CloseStatusAsync(ClientWebSocket socket)
    {
        var buffer = new byte[64 * 1024];
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        while (true)
        {
            var r = await socket.ReceiveAsync(buffer, deadline.Token);
            if (r.MessageType == WebSocketMessageType.Close) return socket.CloseStatus;
        }
    }

    [Fact]
    public async Task Signing_out_everywhere_closes_the_open_board()
    {
        using var member = await _server.SignInAsync("fay", Role.Member);
        using var board = await member.OpenBoardAsync();
        await BoardText.ReceiveAsync(board); // the snapshot

        var accounts = _server.Services.GetRequiredService<IAccountStore>();
        await accounts.RotateSecurityStampAsync((await accounts.FindPersonAsync("fay"))!.Id);
        Assert.Equal(WebSocketCloseStatus.PolicyViolation, await CloseStatusAsync(board));
    }

    [Fact]
    public async Task A_demoted_admin_loses_the_admin_board()
    {
        using var admin = await _server.SignInAsync("gus", Role.Admin);
        using var board = await admin.OpenBoardAsync();
        await BoardText.ReceiveAsync(board);

        var accounts = _server.Services.GetRequiredService<IAccountStore>();
        await accounts.SavePersonAsync("gus", Role.Member, null);
        Assert.Equal(WebSocketCloseStatus.PolicyViolation, await CloseStatusAsync(board));
    }

    [Fact]
    public async Task An_unchanged_session_keeps_its_board()
    {
        using var member = await _server.SignInAsync("hal", Role.Member);
        using var board = await member.OpenBoardAsync();
        await BoardText.ReceiveAsync(board);
        // Several re-checks pass without closing: nothing arrives, and the socket is still open.
        using var quiet = new CancellationTokenSource(TimeSpan.FromMilliseconds(600));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => board.ReceiveAsync(new byte[1024], quiet.Token));
    }
}
