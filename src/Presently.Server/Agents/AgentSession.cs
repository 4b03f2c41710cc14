using System.Net.WebSockets;
using System.Threading.Channels;
using System.Threading.RateLimiting;
using Microsoft.Extensions.Options;
using Presently.Protocol;
using Presently.Server.Ingest;
using Presently.Server.Live;
using Presently.Server.Options;
using Presently.Storage;

namespace Presently.Server.Agents;

/// <summary>
/// One agent connection: Hello → Welcome, then SpanBatch → (commit) → Ack until either side closes.
/// Batches are validated and handed to the writer as they arrive; a second loop awaits their
/// commits in order and acknowledges, so reading never waits for the disk.
/// </summary>
public sealed class AgentSession
{
    private const int MaxInFlightBatches = 16;

    private readonly FrameSocket _frames;
    private readonly AgentPrincipal _principal;
    private readonly IServiceProvider _services;
    private readonly TimeProvider _time;
    private readonly ILogger _log;
    private readonly Guid _id = Guid.NewGuid();
    private readonly CancellationTokenSource _closed = new();
    private readonly ServerOptions _options;

    public AgentSession(WebSocket socket, AgentPrincipal principal, IServiceProvider services)
    {
        _frames = new FrameSocket(socket);
        _principal = principal;
        _services = services;
        _time = services.GetRequiredService<TimeProvider>();
        _log = services.GetRequiredService<ILogger<AgentSession>>();
        _options = services.GetRequiredService<IOptions<ServerOptions>>().Value;
    }

    public async Task RunAsync(CancellationToken stopping)
    {
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(stopping, _closed.Token);
        var ct = linked.Token;
        var hello = await ReceiveHelloAsync(ct);
        if (hello is null) return;

        var live = _services.GetRequiredService<LiveState>();
        var connections = _services.GetRequiredService<AgentConnections>();
        var store = _services.GetRequiredService<ISpanStore>();

        var now = _time.GetUtcNow();
        var offset = now.ToUnixTimeMilliseconds() - hello.AgentClockMs;
        var highest = await store.RegisterAgentAsync(new AgentRegistration(hello.AgentId, _principal.Person, hello.Host,
            hello.Os, hello.AgentVersion, hello.Capabilities, now, offset), ct);

        if (connections.Register(hello.AgentId, this) is { } replaced) await replaced.CloseAsync(CloseCodes.Replaced, "replaced by a newer connection");
        live.Connected(_id, hello.AgentId, _principal.Person, hello.Host, hello.Os, offset);
        _log.LogInformation("Agent {AgentId} on {Host} connected; stored through seq {Seq}", hello.AgentId, hello.Host, highest);
        try
        {
            await _frames.SendAsync(new Welcome(_time.GetUtcNow().ToUnixTimeMilliseconds(), highest,
                new AgentPolicy(ProtocolConstants.MaxFrameBytes, ProtocolConstants.MaxSpansPerBatch, _options.CheckpointIntervalMs)), ct);
            // Round to whole seconds so the correction is the same on every reconnect of a steady clock.
            var correction = Math.Abs(offset) > _options.ClockSkewThreshold.TotalMilliseconds ? (long)Math.Round(offset / 1000.0) * 1000 : 0;
            if (correction != 0)
                _log.LogWarning("Agent {AgentId} clock is off by {Offset} ms; shifting its spans by {Correction} ms", hello.AgentId, -offset, correction);
            await StreamAsync(hello.AgentId, highest, correction, ct);
        }
        catch (Exception ex) when (ex is WebSocketException or OperationCanceledException)
        {
            _log.LogDebug("Agent {AgentId} connection ended: {Reason}", hello.AgentId, ex.Message);
        }
        finally
        {
            connections.Unregister(hello.AgentId, this);
            live.Disconnected(_id, hello.AgentId);
            _log.LogInformation("Agent {AgentId} disconnected", hello.AgentId);
        }
    }

    /// <summary>Closes this connection from outside (replaced, blocked, shutting down).</summary>
    public async Task CloseAsync(int code, string reason)
    {
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(2));
            await _frames.CloseAsync(code, reason, timeout.Token);
        }
        catch (Exception ex) when (ex is WebSocketException or OperationCanceledException or ObjectDisposedException)
        {
        }
        // A well-behaved agent answers the close frame and the read loop ends by itself; cancelling
        // at once would abort the socket before the close frame is on the wire.
        _closed.CancelAfter(TimeSpan.FromSeconds(2));
    }

    private async Task<Hello?> ReceiveHelloAsync(CancellationToken ct)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(_options.HelloTimeout);
        IMessage? message;
        try
        {
            message = await ReceiveMessageAsync(timeout.Token);
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            await _frames.FailAsync(ErrorCodes.UnexpectedMessage, "no Hello in time", CloseCodes.PolicyViolation, ct);
            return null;
        }

        if (message is null) return null;
        if (message is not Hello hello)
        {
            await _frames.FailAsync(ErrorCodes.UnexpectedMessage, "the first frame must be Hello", CloseCodes.PolicyViolation, ct);
            return null;
        }
        var verdict = IngestValidator.Check(hello);
        if (verdict.Ok && _principal.AgentId is { } enrolled && enrolled != hello.AgentId)
            verdict = new IngestValidator.Verdict(ErrorCodes.InvalidHello, "the agent id does not match this credential");
        // The shared development credential names its agent in Hello, so its block is checked here.
        if (verdict.Ok && _principal.AgentId is null
            && await _services.GetRequiredService<IAgentRegistry>().GetStatusAsync(hello.AgentId, ct) is "blocked" or "removed")
        {
            await _frames.FailAsync(ErrorCodes.InvalidHello, "this agent is blocked", CloseCodes.Blocked, ct);
            return null;
        }
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
                    await _frames.FailAsync(ErrorCodes.FrameTooLarge, $"frames are limited to {ProtocolConstants.MaxFrameBytes} bytes", CloseCodes.MessageTooBig, ct);
                    return null;
                case ReceiveOutcome.NotBinary:
                    await _frames.FailAsync(ErrorCodes.MalformedFrame, "frames are binary MessagePack", CloseCodes.InvalidPayload, ct);
                    return null;
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

    private async Task StreamAsync(string agentId, long storedThrough, long correctionMs, CancellationToken ct)
    {
        var writer = _services.GetRequiredService<IngestWriter>();
        var live = _services.GetRequiredService<LiveState>();
        // Over its rate an agent is not refused but read more slowly: TCP backpressure paces it.
        using var frameRate = Bucket(_options.AgentFramesPerSecond, burstSeconds: 10, queue: 1);
        using var spanRate = Bucket(Math.Max(_options.AgentSpansPerSecond, ProtocolConstants.MaxSpansPerBatch), burstSeconds: 1, queue: ProtocolConstants.MaxSpansPerBatch);
        var commits = Channel.CreateBounded<(Task Commit, SpanRecord[] Spans)>(MaxInFlightBatches);
        var acks = AcknowledgeAsync(agentId, storedThrough, commits.Reader, live, ct);
        try
        {
            while (await ReceiveMessageAsync(ct) is { } message)
            {
                using var frameLease = await frameRate.AcquireAsync(1, ct);
                if (message is not SpanBatch batch)
                {
                    await _frames.SendAsync(new ErrorMessage(ErrorCodes.UnexpectedMessage, $"{message.GetType().Name} is not expected from an agent", 0), ct);
                    continue;
                }
                var maxSeq = batch.Spans.Length == 0 ? 0 : batch.Spans.Max(s => s.Seq);
                if (correctionMs != 0)
                    batch = new SpanBatch([.. batch.Spans.Select(s => s with { StartMs = s.StartMs + correctionMs, EndMs = s.EndMs + correctionMs })]);
                var verdict = IngestValidator.Check(batch, _time.GetUtcNow());
                if (!verdict.Ok)
                {
                    _log.LogWarning("Agent {AgentId} sent a batch through seq {Seq} that was refused: {Code} {Text}", agentId, maxSeq, verdict.Code, verdict.Text);
                    await _frames.SendAsync(new ErrorMessage(verdict.Code!, verdict.Text!, maxSeq), ct);
                    continue;
                }
                if (batch.Spans.Length == 0) continue;
                using var spanLease = await spanRate.AcquireAsync(batch.Spans.Length, ct);
                var commit = writer.CommitAsync(new IngestBatch(agentId, batch.Spans), ct);
                await commits.Writer.WriteAsync((commit, batch.Spans), ct);
            }
        }
        finally
        {
            commits.Writer.TryComplete();
            await acks;
        }
    }

    private static TokenBucketRateLimiter Bucket(int perSecond, int burstSeconds, int queue) => new(new TokenBucketRateLimiterOptions
    {
        TokenLimit = (int)Math.Min(int.MaxValue, (long)perSecond * burstSeconds),
        TokensPerPeriod = Math.Max(1, perSecond / 10),
        ReplenishmentPeriod = TimeSpan.FromMilliseconds(100),
        QueueLimit = queue,
        QueueProcessingOrder = QueueProcessingOrder.OldestFirst,
        AutoReplenishment = true,
    });

    private async Task AcknowledgeAsync(string agentId, long storedThrough, ChannelReader<(Task Commit, SpanRecord[] Spans)> commits, LiveState live, CancellationToken ct)
    {
        var acked = storedThrough;
        try
        {
            await foreach (var (commit, spans) in commits.ReadAllAsync(CancellationToken.None))
            {
                await commit;
                acked = Math.Max(acked, spans.Max(s => s.Seq));
                live.SpansCommitted(_id, agentId, spans);
                await _frames.SendAsync(new Ack(acked), ct);
            }
        }
        catch (Exception ex) when (ex is WebSocketException or OperationCanceledException)
        {
        }
        catch (Exception ex)
        {
            // The store failed: nothing more is acknowledged on this connection. The agent reconnects
            // and resends from the last acknowledged sequence number.
            _log.LogError(ex, "Commit for agent {AgentId} failed; closing its connection", agentId);
            await _frames.FailAsync(ErrorCodes.ServerError, "the server could not store the batch", (int)WebSocketCloseStatus.InternalServerError, CancellationToken.None);
            await _closed.CancelAsync();
        }
    }
}
