using System.Net.WebSockets;
using System.Threading.Channels;
using System.Threading.RateLimiting;
using Presently.Protocol;
using Presently.Server.Cluster;
using Presently.Server.Ingest;
using Presently.Server.Live;
using Presently.Server.Monitoring;
using Presently.Server.Options;
using Presently.Storage;

namespace Presently.Server.Agents;

/// <summary>
/// One agent connection: Hello → Welcome, then SpanBatch → (commit) → Ack until either side closes.
/// Batches are validated and handed to the writer as they arrive; a second loop awaits their
/// commits in order and acknowledges, so reading never waits for the disk. Every frame, whatever
/// its type, is held to the agent's frame rate; until Hello the connection reads at most a Hello's
/// worth of bytes.
/// </summary>
public sealed class AgentSession
{
    private const int MaxInFlightBatches = 16;
    private static readonly TimeSpan CloseGrace = TimeSpan.FromSeconds(2);

    public sealed record Dependencies(ISpanStore Store, IAgentRegistry Registry, IngestWriter Writer, ILiveUpdates Live,
        AgentConnections Connections, IAgentControl Control, AgentRateLimits RateLimits, ServerOptions Options, TimeProvider Time, ServerMetrics Metrics, ILogger Log);

    private readonly WebSocket _socket;
    private readonly FrameSocket _frames;
    private readonly AgentPrincipal _principal;
    private readonly IDisposable? _pendingLease;
    private readonly Dependencies _d;
    private readonly Guid _id = Guid.NewGuid();

    /// <summary>This connection, among the agent's connections on every instance.</summary>
    public Guid Id => _id;
    private readonly CancellationTokenSource _closed = new();
    private readonly AgentRateLimits.Bucket _frameRate;

    public AgentSession(WebSocket socket, AgentPrincipal principal, IDisposable? pendingLease, Dependencies dependencies)
    {
        _socket = socket;
        _frames = new FrameSocket(socket, ProtocolConstants.MaxHelloBytes);
        _principal = principal;
        _pendingLease = pendingLease;
        _d = dependencies;
        // Over its rate an agent is not refused but read more slowly: TCP backpressure paces it.
        _frameRate = _d.RateLimits.Create(_d.Options.AgentFramesPerSecond, burstSeconds: 10, queue: 1);
    }

    public async Task RunAsync(CancellationToken stopping)
    {
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(stopping, _closed.Token);
        var ct = linked.Token;
        try
        {
            Hello? hello;
            try
            {
                hello = await ReceiveHelloAsync(ct);
            }
            catch (Exception ex) when (ex is WebSocketException or OperationCanceledException)
            {
                return; // gone before Hello
            }
            _pendingLease?.Dispose();
            if (hello is null) return;
            await RunAgentAsync(hello, ct);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            // Shutting down, or closed from outside during Hello.
        }
        finally
        {
            _pendingLease?.Dispose();
            _frameRate.Dispose();
            _d.Metrics.AgentClosed((int?)_socket.CloseStatus);
        }
    }

    private async Task RunAgentAsync(Hello hello, CancellationToken ct)
    {
        var now = _d.Time.GetUtcNow();
        var offset = now.ToUnixTimeMilliseconds() - hello.AgentClockMs; // bounded by the Hello check
        var registered = await _d.Store.RegisterAgentAsync(new AgentRegistration(hello.AgentId, _principal.Person, hello.Host,
            hello.Os, hello.AgentVersion, hello.Capabilities, now, offset), sharedCredential: _principal.AgentId is null, ct);
        if (registered is null)
        {
            await RefuseAsync(await _d.Registry.GetStatusAsync(hello.AgentId, ct), ct);
            return;
        }
        // Only a Hello let in displaces the agent's live connection. The status is read again once this
        // connection is registered, so a block that landed in between still finds one of the two.
        if (_d.Connections.Register(hello.AgentId, this) is { } replaced) await replaced.CloseAsync(CloseCodes.Replaced, "replaced by a newer connection");
        await _d.Control.TakenOverAsync(hello.AgentId, _id);
        try
        {
            if (await _d.Registry.GetStatusAsync(hello.AgentId, ct) is var status and not AgentStatus.Active)
            {
                await RefuseAsync(status, ct);
                return;
            }

            _d.Live.Connected(_id, hello.AgentId, _principal.Person, hello.Host, hello.Os, offset);
            _d.Log.LogInformation("Agent {AgentId} on {Host} connected; stored through seq {Seq}", hello.AgentId, hello.Host, registered.HighestSeq);
            try
            {
                await _frames.SendAsync(new Welcome(_d.Time.GetUtcNow().ToUnixTimeMilliseconds(), registered.HighestSeq,
                    new AgentPolicy(ProtocolConstants.MaxFrameBytes, ProtocolConstants.MaxSpansPerBatch, _d.Options.CheckpointIntervalMs)), ct);
                _frames.MaxFrameBytes = ProtocolConstants.MaxFrameBytes;
                // Round to whole seconds so the correction is the same on every reconnect of a steady clock.
                var correction = Math.Abs(offset) > _d.Options.ClockSkewThreshold.TotalMilliseconds ? (long)Math.Round(offset / 1000.0) * 1000 : 0;
                if (correction != 0)
                    _d.Log.LogWarning("Agent {AgentId} clock is off by {Offset} ms; shifting its spans by {Correction} ms", hello.AgentId, -offset, correction);
                var earliest = registered.FirstSeen - _d.Options.AgentOfflineWindow;
                await StreamAsync(hello.AgentId, registered.HighestSeq, earliest, correction, ct);
            }
            finally
            {
                _d.Live.Disconnected(_id, hello.AgentId);
            }
        }
        catch (Exception ex) when (ex is WebSocketException or OperationCanceledException)
        {
            _d.Log.LogDebug("Agent {AgentId} connection ended: {Reason}", hello.AgentId, ex.Message);
        }
        finally
        {
            _d.Connections.Unregister(hello.AgentId, this);
            _d.Log.LogInformation("Agent {AgentId} disconnected", hello.AgentId);
        }
    }

    /// <summary>Says why a Hello is not let in, with the close code the agent acts on.</summary>
    private async Task RefuseAsync(AgentStatus? status, CancellationToken ct)
    {
        var (code, text) = status switch
        {
            AgentStatus.Blocked => (CloseCodes.Blocked, "this agent is blocked"),
            AgentStatus.Active => (CloseCodes.PolicyViolation, "this agent has a credential of its own; use it"),
            _ => (CloseCodes.Removed, "this agent was removed; enroll again"),
        };
        await _frames.FailAsync(ErrorCodes.InvalidHello, text, code, ct);
    }

    /// <summary>Closes this connection from outside (replaced, blocked, shutting down).</summary>
    public async Task CloseAsync(int code, string reason)
    {
        try
        {
            using var timeout = new CancellationTokenSource(CloseGrace);
            await _frames.CloseAsync(code, reason, timeout.Token);
        }
        catch (Exception ex) when (ex is WebSocketException or OperationCanceledException or ObjectDisposedException)
        {
        }
        // A well-behaved agent answers the close frame and the read loop ends by itself; cancelling
        // at once would abort the socket before the close frame is on the wire.
        _closed.CancelAfter(CloseGrace);
    }

    private async Task<Hello?> ReceiveHelloAsync(CancellationToken ct)
    {
        // The timeout does not cancel the read (that would abort the socket before the close frame
        // could say why); it closes the connection politely and gives the peer a moment to answer.
        using var reading = CancellationTokenSource.CreateLinkedTokenSource(ct);
        using var waiting = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var receive = ReceiveMessageAsync(reading.Token);
        var timeout = Task.Delay(_d.Options.HelloTimeout, _d.Time, waiting.Token);
        var first = await Task.WhenAny(receive, timeout);
        await waiting.CancelAsync(); // the timer goes with the wait, not after HelloTimeout
        if (first != receive)
        {
            await _frames.FailAsync(ErrorCodes.UnexpectedMessage, "no Hello in time", CloseCodes.PolicyViolation, ct);
            reading.CancelAfter(CloseGrace);
            try
            {
                await receive;
            }
            catch (Exception ex) when (ex is WebSocketException or OperationCanceledException)
            {
            }
            return null;
        }

        var message = await receive;
        if (message is null) return null;
        if (message is not Hello hello)
        {
            await _frames.FailAsync(ErrorCodes.UnexpectedMessage, "the first frame must be Hello", CloseCodes.PolicyViolation, ct);
            return null;
        }
        var verdict = IngestValidator.Check(hello, _d.Time.GetUtcNow());
        if (verdict.Ok && _principal.AgentId is { } enrolled && enrolled != hello.AgentId)
            verdict = new IngestValidator.Verdict(ErrorCodes.InvalidHello, "the agent id does not match this credential");
        if (!verdict.Ok)
        {
            var close = verdict.Code == ErrorCodes.UnsupportedVersion ? CloseCodes.UnsupportedVersion : CloseCodes.PolicyViolation;
            await _frames.FailAsync(verdict.Code!, verdict.Text!, close, ct);
            return null;
        }
        return hello;
    }

    /// <summary>
    /// Reads until a decodable message arrives. Errors that leave the stream usable (unknown type)
    /// are answered and skipped; errors that do not (garbage, oversize) close the connection and return null.
    /// </summary>
    private async Task<IMessage?> ReceiveMessageAsync(CancellationToken ct)
    {
        while (true)
        {
            switch (await _frames.ReceiveAsync(ct))
            {
                case ReceiveOutcome.Closed:
                    await _frames.CloseAsync((int)WebSocketCloseStatus.NormalClosure, "bye", ct);
                    return null;
                case ReceiveOutcome.TooLarge:
                    await _frames.FailAsync(ErrorCodes.FrameTooLarge, $"frames are limited to {_frames.MaxFrameBytes} bytes here", CloseCodes.MessageTooBig, ct);
                    return null;
                case ReceiveOutcome.NotBinary:
                    await _frames.FailAsync(ErrorCodes.MalformedFrame, "frames are binary MessagePack", CloseCodes.InvalidPayload, ct);
                    return null;
            }

            // Every frame counts against the rate, whatever it turns out to be.
            using (await _frameRate.AcquireAsync(1, ct))
            {
            }
            var decoded = FrameCodec.Decode(_frames.Frame);
            if (decoded.IsOk) return decoded.Message;
            if (decoded.ErrorCode == ErrorCodes.UnknownMessageType)
            {
                await _frames.SendAsync(new ErrorMessage(decoded.ErrorCode, decoded.ErrorText!, 0), ct);
                continue;
            }
            await _frames.FailAsync(decoded.ErrorCode!, decoded.ErrorText!, CloseCodes.InvalidPayload, ct);
            return null;
        }
    }

    private async Task StreamAsync(string agentId, long storedThrough, DateTimeOffset earliestStart, long correctionMs, CancellationToken ct)
    {
        using var spanRate = _d.RateLimits.Create(Math.Max(_d.Options.AgentSpansPerSecond, ProtocolConstants.MaxSpansPerBatch), burstSeconds: 1, queue: ProtocolConstants.MaxSpansPerBatch);
        var commits = Channel.CreateBounded<(Task<CommitOutcome> Commit, long HighestSeq, long ReceivedAt)>(MaxInFlightBatches);
        var acks = AcknowledgeAsync(agentId, storedThrough, commits.Reader, ct);
        var receivedThrough = storedThrough;
        try
        {
            while (await ReceiveMessageAsync(ct) is { } message)
            {
                if (message is not SpanBatch batch)
                {
                    await _frames.SendAsync(new ErrorMessage(ErrorCodes.UnexpectedMessage, $"{message.GetType().Name} is not expected from an agent", 0), ct);
                    continue;
                }
                var maxSeq = batch.Spans.Length == 0 ? 0 : batch.Spans.Max(s => s.Seq);
                batch = IngestValidator.WithoutReplays(batch, receivedThrough);
                if (correctionMs != 0)
                    batch = new SpanBatch([.. batch.Spans.Select(s => s with { StartMs = s.StartMs + correctionMs, EndMs = s.EndMs + correctionMs })]);
                var verdict = IngestValidator.Check(batch, IngestValidator.Bounds.At(_d.Time.GetUtcNow(), earliestStart, receivedThrough));
                if (!verdict.Ok)
                {
                    _d.Log.LogWarning("Agent {AgentId} sent a batch through seq {Seq} that was refused: {Code} {Text}", agentId, maxSeq, verdict.Code, verdict.Text);
                    await _frames.SendAsync(new ErrorMessage(verdict.Code!, verdict.Text!, maxSeq), ct);
                    continue;
                }
                if (batch.Spans.Length == 0) continue;
                var receivedAt = _d.Time.GetTimestamp();
                receivedThrough = maxSeq;
                using var spanLease = await spanRate.AcquireAsync(batch.Spans.Length, ct);
                var commit = _d.Writer.CommitAsync(new IngestBatch(agentId, batch.Spans), _principal.Person, _id, ct);
                await commits.Writer.WriteAsync((commit, maxSeq, receivedAt), ct);
            }
        }
        finally
        {
            commits.Writer.TryComplete();
            await acks;
        }
    }

    private async Task AcknowledgeAsync(string agentId, long storedThrough, ChannelReader<(Task<CommitOutcome> Commit, long HighestSeq, long ReceivedAt)> commits, CancellationToken ct)
    {
        var acked = storedThrough;
        var toldOverQuota = false;
        try
        {
            await foreach (var (commit, highestSeq, receivedAt) in commits.ReadAllAsync(CancellationToken.None))
            {
                var outcome = await commit;
                if (outcome == CommitOutcome.AgentGone)
                {
                    // Blocked or removed while the batch waited; the admin action closes the connection.
                    _closed.CancelAfter(CloseGrace);
                    return;
                }
                if (outcome == CommitOutcome.StoredOverQuota && !toldOverQuota)
                {
                    // Stored all the same (time and app are kept), so nothing is held back; the agent is told once.
                    toldOverQuota = true;
                    _d.Log.LogWarning("Agent {AgentId} is over its daily storage quota; its spans lose title and context", agentId);
                    await _frames.SendAsync(new ErrorMessage(ErrorCodes.QuotaExceeded,
                        $"this agent stored more than a day's {_d.Options.AgentDailyQuotaMegabytes} MB or {_d.Options.AgentDailySpanLimit} spans; that day's further spans keep only their time and app", 0), ct);
                }
                acked = Math.Max(acked, highestSeq);
                await _frames.SendAsync(new Ack(acked), ct);
                _d.Metrics.Acknowledged(_d.Time.GetElapsedTime(receivedAt));
            }
        }
        catch (Exception ex) when (ex is WebSocketException or OperationCanceledException)
        {
        }
        catch (Exception ex)
        {
            // The store failed: nothing more is acknowledged on this connection. The agent reconnects
            // and resends from the last acknowledged sequence number.
            _d.Log.LogError(ex, "Commit for agent {AgentId} failed; closing its connection", agentId);
            await _frames.FailAsync(ErrorCodes.ServerError, "the server could not store the batch", (int)WebSocketCloseStatus.InternalServerError, CancellationToken.None);
            await _closed.CancelAsync();
        }
    }
}
