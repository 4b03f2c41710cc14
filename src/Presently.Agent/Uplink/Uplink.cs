using System.Net;
using System.Net.WebSockets;
using Presently.Agent.Journal;
using Presently.Protocol;

namespace Presently.Agent.Uplink;

public sealed record UplinkOptions(Uri Server, string Token, Hello Hello, TimeSpan MaxBackoff, TlsPolicy? Tls = null);

/// <summary>
/// Streams pending span records to the server over one WebSocket, and reconnects with exponential
/// backoff and jitter after any failure. After each Welcome it resends everything after the
/// server's stored sequence number, oldest first; records leave the queue only when acknowledged.
/// </summary>
public sealed class Uplink
{
    private static readonly TimeSpan InitialBackoff = TimeSpan.FromMilliseconds(500);

    private readonly UplinkOptions _options;
    private readonly SpanJournal _journal;
    private readonly Func<long> _clockMs;
    private readonly AgentLog _log;
    private TimeSpan? _retryAfter;

    public Uplink(UplinkOptions options, SpanJournal journal, Func<long> clockMs, AgentLog log)
    {
        _options = options;
        _journal = journal;
        _clockMs = clockMs;
        _log = log;
    }

    public UplinkStatus Status { get; } = new();

    public async Task RunAsync(CancellationToken ct)
    {
        var backoff = InitialBackoff;
        while (!ct.IsCancellationRequested)
        {
            var welcomed = false;
            try
            {
                welcomed = await RunConnectionAsync(ct);
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                break;
            }
            catch (Exception ex) when (ex is WebSocketException or IOException or HttpRequestException or OperationCanceledException or ProtocolViolation)
            {
                Status.LastError = _options.Tls?.LastRefusal is { } refusal && ex is WebSocketException ? $"refused the server: {refusal}"
                    : ex is WebSocketException { InnerException: { } inner } ? inner.Message : ex.Message;
                _log.Warn($"connection to {_options.Server} failed: {Status.LastError}");
            }
            if (Status.State != ConnectionState.Refused) Status.State = ConnectionState.Disconnected;
            if (welcomed) backoff = InitialBackoff;
            // Refused (bad credential, blocked): retrying fast cannot help; an admin has to act.
            if (Status.State == ConnectionState.Refused) backoff = _options.MaxBackoff;

            // Asked to move (the instance holds more than its share): come back when told, through the
            // same address, which spreads agents over the instances; no failure, so no backoff.
            var delay = _retryAfter ?? backoff * (0.5 + Random.Shared.NextDouble());
            _retryAfter = null;
            _log.Info($"reconnecting in {delay.TotalSeconds:0.0} s");
            try
            {
                await Task.Delay(delay, ct);
            }
            catch (OperationCanceledException)
            {
                break;
            }
            backoff = TimeSpan.FromTicks(Math.Min(backoff.Ticks * 2, _options.MaxBackoff.Ticks));
        }
    }

    /// <summary>Sends what is still pending, waiting at most <paramref name="timeout"/> for the acknowledgement.</summary>
    public async Task<bool> FlushAsync(TimeSpan timeout)
    {
        // Waits through a reconnect too: the server may be coming back.
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            if (_journal.LastSeq <= _journal.AckedSeq) return true;
            if (Status.State == ConnectionState.Refused) return false;
            await Task.Delay(20);
        }
        return _journal.LastSeq <= _journal.AckedSeq;
    }

    private async Task<bool> RunConnectionAsync(CancellationToken ct)
    {
        Status.State = ConnectionState.Connecting;
        using var socket = new ClientWebSocket();
        socket.Options.SetRequestHeader("Authorization", "Bearer " + _options.Token);
        socket.Options.DangerousDeflateOptions = AgentCompression.Options();
        socket.Options.KeepAliveInterval = TimeSpan.FromSeconds(20);
        socket.Options.CollectHttpResponseDetails = true;
        if (_options.Tls is { } tls) socket.Options.RemoteCertificateValidationCallback = tls.Validate;
        try
        {
            await socket.ConnectAsync(_options.Server, ct);
        }
        catch (WebSocketException) when (socket.HttpStatusCode is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden)
        {
            Status.State = ConnectionState.Refused;
            throw new ProtocolViolation($"the server refused this agent's credential ({(int)socket.HttpStatusCode})");
        }

        var frames = new FrameSocket(socket);
        await frames.SendAsync(_options.Hello with { AgentClockMs = _clockMs() }, ct);
        using var helloTimeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        helloTimeout.CancelAfter(TimeSpan.FromSeconds(15));
        if (await ReceiveAsync(frames, helloTimeout.Token) is not Welcome welcome)
            throw new ProtocolViolation("the server did not answer Hello with Welcome");

        Interlocked.Exchange(ref Status.ClockOffsetMs, welcome.ServerClockMs - _clockMs());
        _journal.Acknowledge(welcome.HighestStoredSeq);
        Interlocked.Exchange(ref Status.LastAckedSeq, welcome.HighestStoredSeq);
        Status.State = ConnectionState.Connected;
        Status.LastError = null;
        _log.Info($"connected to {_options.Server}; server has stored through seq {welcome.HighestStoredSeq}; journal holds {_journal.SizeBytes} bytes");

        using var connection = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var receiving = ReceiveLoopAsync(frames, connection);
        try
        {
            await SendLoopAsync(frames, welcome, connection.Token);
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            // The receive loop ended the connection.
        }
        finally
        {
            await connection.CancelAsync();
            await receiving;
            if (ct.IsCancellationRequested && socket.State == WebSocketState.Open)
            {
                using var closeTimeout = new CancellationTokenSource(TimeSpan.FromSeconds(2));
                try
                {
                    await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, "agent stopping", closeTimeout.Token);
                }
                catch (Exception ex) when (ex is WebSocketException or OperationCanceledException)
                {
                }
            }
        }
        return true;
    }

    private async Task SendLoopAsync(FrameSocket frames, Welcome welcome, CancellationToken ct)
    {
        var sentThrough = welcome.HighestStoredSeq;
        var maxCount = Math.Clamp(welcome.Policy.MaxSpansPerBatch, 1, ProtocolConstants.MaxSpansPerBatch);
        var maxBytes = Math.Clamp(welcome.Policy.MaxFrameBytes, 1024, ProtocolConstants.MaxFrameBytes) - 1024;
        while (!ct.IsCancellationRequested)
        {
            var batch = _journal.ReadAfter(sentThrough, maxCount, maxBytes);
            if (batch.Count == 0)
            {
                // No timeout: a timer firing every second to find nothing was most of an idle agent's wake-ups.
                await _journal.WaitForAppendAsync(ct);
                continue;
            }
            await frames.SendAsync(new SpanBatch([.. batch]), ct);
            sentThrough = batch[^1].Seq;
        }
    }

    private async Task ReceiveLoopAsync(FrameSocket frames, CancellationTokenSource connection)
    {
        try
        {
            while (!connection.IsCancellationRequested)
            {
                switch (await ReceiveAsync(frames, connection.Token))
                {
                    case null:
                        return;
                    case Ack ack:
                        _journal.Acknowledge(ack.Seq);
                        Interlocked.Exchange(ref Status.LastAckedSeq, ack.Seq);
                        break;
                    case ErrorMessage error:
                        Status.LastError = $"{error.Code}: {error.Message}";
                        _log.Warn($"server error {error.Code}: {error.Message}");
                        // A batch the server refused as invalid will never be accepted; keeping it would
                        // block everything behind it.
                        if (error.Seq > 0 && error.Code is ErrorCodes.InvalidSpan or ErrorCodes.TooManySpans)
                        {
                            _log.Error($"dropping records through seq {error.Seq} that the server refused");
                            _journal.Acknowledge(error.Seq);
                        }
                        break;
                }
            }
        }
        catch (Exception ex) when (ex is WebSocketException or OperationCanceledException or ProtocolViolation)
        {
            if (!connection.IsCancellationRequested) _log.Warn($"connection lost: {ex.Message}");
        }
        finally
        {
            await connection.CancelAsync();
        }
    }

    private async Task<IMessage?> ReceiveAsync(FrameSocket frames, CancellationToken ct)
    {
        while (true)
        {
            var outcome = await frames.ReceiveAsync(ct);
            if (outcome == ReceiveOutcome.Closed)
            {
                var status = frames.Socket.CloseStatus;
                _log.Info($"server closed the connection: {(int?)status} {frames.Socket.CloseStatusDescription}");
                if ((int?)status is CloseCodes.Blocked or CloseCodes.Removed) Status.State = ConnectionState.Refused;
                if ((int?)status is CloseCodes.Rebalance) _retryAfter = RetryHint.Parse(frames.Socket.CloseStatusDescription) ?? TimeSpan.Zero;
                return null;
            }
            if (outcome != ReceiveOutcome.Frame) throw new ProtocolViolation($"bad frame from server: {outcome}");
            var decoded = FrameCodec.Decode(frames.Frame);
            if (decoded.IsOk) return decoded.Message;
            _log.Warn($"ignoring a frame from the server: {decoded.ErrorCode} {decoded.ErrorText}");
        }
    }
}

/// <summary>The server broke the protocol, or refused us; the connection is abandoned and retried.</summary>
public sealed class ProtocolViolation(string message) : Exception(message);
