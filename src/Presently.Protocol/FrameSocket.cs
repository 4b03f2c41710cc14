using System.Net.WebSockets;

namespace Presently.Protocol;

public enum ReceiveOutcome
{
    Frame,
    Closed,
    TooLarge,
    NotBinary,
}

/// <summary>Reads and writes whole protocol frames on a WebSocket, never buffering more than the frame limit.</summary>
public sealed class FrameSocket
{
    private readonly WebSocket _socket;
    private readonly byte[] _buffer = new byte[ProtocolConstants.MaxFrameBytes + 1];
    private readonly SemaphoreSlim _sendLock = new(1, 1);

    public FrameSocket(WebSocket socket) => _socket = socket;

    public WebSocket Socket => _socket;

    /// <summary>The frame read by the last successful <see cref="ReceiveAsync"/>; valid until the next call.</summary>
    public ReadOnlyMemory<byte> Frame { get; private set; }

    public async Task<ReceiveOutcome> ReceiveAsync(CancellationToken ct)
    {
        var count = 0;
        while (true)
        {
            var r = await _socket.ReceiveAsync(_buffer.AsMemory(count), ct);
            if (r.MessageType == WebSocketMessageType.Close) return ReceiveOutcome.Closed;
            count += r.Count;
            if (count > ProtocolConstants.MaxFrameBytes) return ReceiveOutcome.TooLarge;
            if (!r.EndOfMessage) continue;
            if (r.MessageType != WebSocketMessageType.Binary) return ReceiveOutcome.NotBinary;
            Frame = _buffer.AsMemory(0, count);
            return ReceiveOutcome.Frame;
        }
    }

    /// <summary>Sends one message; safe to call from several tasks, which take turns.</summary>
    public async Task SendAsync(IMessage message, CancellationToken ct)
    {
        var bytes = FrameCodec.Encode(message);
        await _sendLock.WaitAsync(ct);
        try
        {
            await _socket.SendAsync(bytes, WebSocketMessageType.Binary, true, ct);
        }
        finally
        {
            _sendLock.Release();
        }
    }

    /// <summary>Sends an Error and then closes with <paramref name="closeCode"/>, ignoring a peer that is already gone.</summary>
    public async Task FailAsync(string code, string text, int closeCode, CancellationToken ct)
    {
        try
        {
            await SendAsync(new ErrorMessage(code, text, 0), ct);
            await CloseAsync(closeCode, code, ct);
        }
        catch (Exception ex) when (ex is WebSocketException or OperationCanceledException or ObjectDisposedException)
        {
        }
    }

    public async Task CloseAsync(int closeCode, string reason, CancellationToken ct)
    {
        if (_socket.State is not (WebSocketState.Open or WebSocketState.CloseReceived)) return;
        await _sendLock.WaitAsync(ct);
        try
        {
            await _socket.CloseOutputAsync((WebSocketCloseStatus)closeCode, reason, ct);
        }
        finally
        {
            _sendLock.Release();
        }
    }
}
