using System.Net.WebSockets;

namespace Presently.Protocol;

public enum ReceiveOutcome
{
    Frame,
    Closed,
    TooLarge,
    NotBinary,
}

/// <summary>
/// Reads and writes whole protocol frames on a WebSocket, never buffering more than the frame limit.
/// The read buffer grows with the frames that arrive, so a connection that sends little holds little.
/// </summary>
public sealed class FrameSocket
{
    private const int InitialBuffer = 1024;

    private readonly WebSocket _socket;
    private readonly SemaphoreSlim _sendLock = new(1, 1);
    private byte[] _buffer = [];
    private int _maxFrameBytes;

    public FrameSocket(WebSocket socket, int maxFrameBytes = ProtocolConstants.MaxFrameBytes)
    {
        _socket = socket;
        MaxFrameBytes = maxFrameBytes;
    }

    public WebSocket Socket => _socket;

    /// <summary>The largest frame <see cref="ReceiveAsync"/> accepts; a server raises it after Hello.</summary>
    public int MaxFrameBytes
    {
        get => _maxFrameBytes;
        set => _maxFrameBytes = Math.Clamp(value, 1, ProtocolConstants.MaxFrameBytes);
    }

    /// <summary>The frame read by the last successful <see cref="ReceiveAsync"/>; valid until the next call.</summary>
    public ReadOnlyMemory<byte> Frame { get; private set; }

    public async Task<ReceiveOutcome> ReceiveAsync(CancellationToken ct)
    {
        var count = 0;
        while (true)
        {
            if (count == _buffer.Length)
            {
                // One byte beyond the limit tells an oversized frame from one that fits exactly.
                var grown = new byte[Math.Min(Math.Max(InitialBuffer, _buffer.Length * 2), _maxFrameBytes + 1)];
                _buffer.AsSpan(0, count).CopyTo(grown);
                _buffer = grown;
            }
            var r = await _socket.ReceiveAsync(_buffer.AsMemory(count), ct);
            if (r.MessageType == WebSocketMessageType.Close) return ReceiveOutcome.Closed;
            count += r.Count;
            if (count > _maxFrameBytes) return ReceiveOutcome.TooLarge;
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
