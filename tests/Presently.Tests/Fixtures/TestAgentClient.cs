using System.Net.WebSockets;
using Presently.Protocol;

namespace Presently.Tests.Fixtures;

/// <summary>A scripted agent speaking protocol v1 frame by frame, for endpoint tests.</summary>
public sealed class TestAgentClient : IAsyncDisposable
{
    private readonly ClientWebSocket _socket;
    private readonly FrameSocket _frames;

    private TestAgentClient(ClientWebSocket socket)
    {
        _socket = socket;
        _frames = new FrameSocket(socket);
    }

    public WebSocket Socket => _socket;

    public static async Task<TestAgentClient> ConnectAsync(Uri uri, string? token = ServerHost.Token)
    {
        var socket = new ClientWebSocket();
        if (token is not null) socket.Options.SetRequestHeader("Authorization", "Bearer " + token);
        socket.Options.DangerousDeflateOptions = new WebSocketDeflateOptions();
        socket.Options.CollectHttpResponseDetails = true;
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        await socket.ConnectAsync(uri, cts.Token);
        return new TestAgentClient(socket);
    }

    /// <summary>Connects and completes Hello/Welcome.</summary>
    public static async Task<(TestAgentClient Client, Welcome Welcome)> JoinAsync(Uri uri, string agentId)
    {
        var client = await ConnectAsync(uri);
        await client.SendAsync(NewHello(agentId));
        var welcome = Assert.IsType<Welcome>(await client.ReceiveAsync());
        return (client, welcome);
    }

    /// <summary>Enrolls an agent of <paramref name="person"/> on <paramref name="server"/> and completes Hello/Welcome with its own credential.</summary>
    public static async Task<TestAgentClient> JoinAsAsync(ServerHost server, string person, string host = "laptop")
    {
        var (agentId, token) = await server.EnrollAsync(person, host);
        var client = await ConnectAsync(server.AgentUri, token);
        await client.SendAsync(NewHello(agentId) with { Host = host });
        Assert.IsType<Welcome>(await client.ReceiveAsync());
        return client;
    }

    public static Hello NewHello(string agentId) =>
        new(ProtocolConstants.Version, agentId, "0.0.0-test", "test-host", "Linux test", ["x11"], DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());

    public Task SendAsync(IMessage message) => _frames.SendAsync(message, Timeout());

    public Task SendRawAsync(byte[] frame, WebSocketMessageType type = WebSocketMessageType.Binary) =>
        _socket.SendAsync(frame, type, true, Timeout());

    /// <summary>The next message, or null once the server has closed.</summary>
    public async Task<IMessage?> ReceiveAsync()
    {
        var outcome = await _frames.ReceiveAsync(Timeout());
        if (outcome == ReceiveOutcome.Closed) return null;
        Assert.Equal(ReceiveOutcome.Frame, outcome);
        var decoded = FrameCodec.Decode(_frames.Frame);
        Assert.True(decoded.IsOk, decoded.ErrorText);
        return decoded.Message;
    }

    /// <summary>Reads until the server closes, returning its close status.</summary>
    public async Task<int?> WaitForCloseAsync()
    {
        while (await ReceiveAsync() is not null)
        {
        }
        return (int?)_socket.CloseStatus;
    }

    public async ValueTask DisposeAsync()
    {
        if (_socket.State == WebSocketState.Open)
        {
            try
            {
                using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(2));
                await _socket.CloseAsync(WebSocketCloseStatus.NormalClosure, "done", cts.Token);
            }
            catch (Exception ex) when (ex is WebSocketException or OperationCanceledException)
            {
            }
        }
        _socket.Dispose();
    }

    private static CancellationToken Timeout() => new CancellationTokenSource(TimeSpan.FromSeconds(10)).Token;
}
