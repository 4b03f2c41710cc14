using System.Diagnostics;
using System.Net.WebSockets;
using Presently.Protocol;

namespace Presently.Bench.Load;

/// <summary>
/// One simulated computer speaking protocol v1 as presently-agent does: the same WebSocket options
/// (bearer credential, permessage-deflate offered, 20 s keep-alive), Hello → Welcome, then span
/// records with increasing sequence numbers in SpanBatch frames, a new span on every switch (the
/// old one closed and the new one announced with zero length, in one batch, as the span builder
/// does), a checkpoint of the open span every checkpoint interval, and a resend of everything not
/// acknowledged after a reconnect. It has no task of its own: the fleet's timer loop calls
/// <see cref="OnDue"/>, and a receive loop awaits the server's frames while connected.
/// </summary>
internal sealed class SimAgent
{
    private sealed record Sent(long HighestSeq, SpanRecord[] Records, long SentAt)
    {
        public bool TimedOut { get; set; }
    }

    private readonly AgentFleet _fleet;
    private readonly Lock _gate = new();
    private readonly Random _random;
    private readonly List<(SpanRecord Record, long Change)> _pending = [];
    private readonly Queue<Sent> _unacked = new();

    private ClientWebSocket? _socket;
    private FrameSocket? _frames;
    private int _generation;
    private bool _sending;
    private long _lastSeq;
    private bool _hasSpan;
    private long _spanId;
    private long _spanStartMs;
    private SpanState _state;
    private string? _app;
    private string? _title;
    private SpanContext? _context;
    private TimeSpan _backoff = TimeSpan.FromMilliseconds(500);

    public SimAgent(AgentFleet fleet, int index, AgentCredential credential, int seed)
    {
        _fleet = fleet;
        Index = index;
        Credential = credential;
        _random = new Random(unchecked(seed * 100_003 + index));
    }

    public int Index { get; }

    public AgentCredential Credential { get; }

    public bool Connected { get; private set; }

    public bool Stopping { get; set; }

    public bool EverConnected { get; private set; }

    /// <summary>Stopwatch timestamps of the next switch and the next checkpoint.</summary>
    public long NextSwitch { get; private set; }

    public long NextCheckpoint { get; private set; }

    public long NextDue => Math.Min(NextSwitch, NextCheckpoint);

    /// <summary>When to try again after losing the connection (a Stopwatch timestamp).</summary>
    public long ReconnectAt { get; private set; }

    /// <summary>Connects, says Hello and waits for Welcome; on failure counts the error and sets <see cref="ReconnectAt"/>.</summary>
    public async Task<bool> ConnectAsync(CancellationToken ct)
    {
        var socket = new ClientWebSocket();
        // As presently-agent's Uplink: its credential, permessage-deflate offered, keep-alive every 20 s.
        socket.Options.SetRequestHeader("Authorization", "Bearer " + Credential.Credential);
        if (_fleet.Options.Deflate) socket.Options.DangerousDeflateOptions = AgentCompression.Options();
        socket.Options.KeepAliveInterval = TimeSpan.FromSeconds(20);
        socket.Options.CollectHttpResponseDetails = true;
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(TimeSpan.FromSeconds(30));
        var stage = "connect";
        try
        {
            await socket.ConnectAsync(_fleet.AgentUri, timeout.Token);
            stage = "welcome";
            var frames = new FrameSocket(socket);
            await frames.SendAsync(new Hello(ProtocolConstants.Version, Credential.AgentId, "0.1.0-bench", Credential.Host, "Linux (load simulator)",
                ["x11", "idle"], DateTimeOffset.UtcNow.ToUnixTimeMilliseconds()), timeout.Token);
            var outcome = await frames.ReceiveAsync(timeout.Token);
            var welcome = outcome == ReceiveOutcome.Frame && FrameCodec.Decode(frames.Frame) is { IsOk: true, Message: Welcome w } ? w : null;
            if (welcome is null)
                throw new WebSocketException(outcome == ReceiveOutcome.Closed ? $"closed before Welcome: {(int?)socket.CloseStatus} {socket.CloseStatusDescription}" : "no Welcome");
            int generation;
            lock (_gate)
            {
                generation = ++_generation;
                (_socket, _frames, Connected, _sending) = (socket, frames, true, false);
                if (EverConnected) Interlocked.Increment(ref _fleet.Stats.AgentReconnects);
                if (EverConnected && _fleet.Stats.Measuring) Interlocked.Increment(ref _fleet.Stats.AgentReconnectsMeasured);
                EverConnected = true;
                _backoff = TimeSpan.FromMilliseconds(500);
                // As after a Welcome: the server has everything through HighestStoredSeq; the rest goes again, oldest first.
                var resend = _unacked.SelectMany(b => b.Records).Where(r => r.Seq > welcome.HighestStoredSeq).Select(r => (r, 0L)).ToList();
                foreach (var b in _unacked.Where(b => b.HighestSeq <= welcome.HighestStoredSeq)) _fleet.Stats.Acked(b.Records.Length, b.SentAt, Stopwatch.GetTimestamp());
                _unacked.Clear();
                _pending.InsertRange(0, resend);
                _lastSeq = Math.Max(_lastSeq, welcome.HighestStoredSeq);
                if (!_hasSpan)
                {
                    var now = Stopwatch.GetTimestamp();
                    StartSpan(now, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(), idle: false);
                    // Checkpoints of different agents fall at different moments, as on real desktops.
                    NextCheckpoint = now + (long)(_random.NextDouble() * _fleet.Options.Checkpoint.TotalSeconds * Stopwatch.Frequency);
                }
                Kick();
            }
            _ = ReceiveLoopAsync(generation, frames);
            return true;
        }
        catch (Exception ex) when (ex is WebSocketException or OperationCanceledException or IOException or HttpRequestException)
        {
            var status = (int)socket.HttpStatusCode;
            socket.Dispose();
            if (ct.IsCancellationRequested) return false;
            _fleet.Stats.Error(stage == "connect"
                ? $"agent connect failed{(status != 0 ? $" (HTTP {status})" : ex is OperationCanceledException ? " (timeout 30 s)" : $" ({Reason(ex)})")}"
                : $"agent got no Welcome ({Reason(ex)})");
            lock (_gate) ScheduleReconnect();
            return false;
        }
    }

    /// <summary>The timer loop's call: switch or checkpoint, whichever is due, and send.</summary>
    public void OnDue(long now)
    {
        lock (_gate)
        {
            if (!_hasSpan) return;
            var nowMs = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
            if (now >= NextSwitch)
            {
                // The span in front ends now and the next begins: one batch of two records, as the span builder writes them.
                _pending.Add((new SpanRecord(++_lastSeq, _spanId, _spanStartMs, Math.Max(nowMs, _spanStartMs), _state, _app, _title, _context), 0));
                var idle = _state == SpanState.Active && _random.NextDouble() < _fleet.Options.IdleChance;
                StartSpan(now, Math.Max(nowMs, _spanStartMs), idle);
            }
            else if (now >= NextCheckpoint)
            {
                _pending.Add((new SpanRecord(++_lastSeq, _spanId, _spanStartMs, Math.Max(nowMs, _spanStartMs), _state, _app, _title, _context), 0));
                NextCheckpoint = now + Ticks(_fleet.Options.Checkpoint);
            }
            Kick();
        }
    }

    /// <summary>A batch unacknowledged for longer than the ack timeout counts once as an error.</summary>
    public void CheckAckTimeout(long now)
    {
        lock (_gate)
        {
            foreach (var b in _unacked)
            {
                if (Stopwatch.GetElapsedTime(b.SentAt, now) < _fleet.Options.AckTimeout) break;
                if (b.TimedOut) continue;
                b.TimedOut = true;
                _fleet.Stats.Error($"ack took over {_fleet.Options.AckTimeout.TotalSeconds:0} s");
            }
        }
    }

    /// <summary>Batches still unacknowledged that were sent before <paramref name="before"/>.</summary>
    public int UnackedSentBefore(long before)
    {
        lock (_gate) return _unacked.Count(b => b.SentAt < before);
    }

    public async Task CloseAsync()
    {
        ClientWebSocket? socket;
        lock (_gate)
        {
            Stopping = true;
            socket = _socket;
            Connected = false;
            _generation++;
        }
        if (socket is null) return;
        try
        {
            if (socket.State == WebSocketState.Open)
            {
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(3));
                await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, "agent stopping", timeout.Token);
            }
        }
        catch (Exception ex) when (ex is WebSocketException or OperationCanceledException or IOException)
        {
        }
        finally
        {
            socket.Dispose();
        }
    }

    private void StartSpan(long now, long startMs, bool idle)
    {
        var change = _fleet.Changes.Register(Index, _fleet.Stats.Phase);
        Interlocked.Increment(ref _fleet.Stats.ChangesTotal);
        if (_fleet.Stats.Measuring) Interlocked.Increment(ref _fleet.Stats.ChangesMeasured);
        var marker = _fleet.Changes.Marker(change);
        if (idle)
        {
            // Still the same window in front, but nobody at the keyboard: an idle span (its title gets the new change's number).
            _state = SpanState.Idle;
            _title = (_title is { } t && t.LastIndexOf(" [c", StringComparison.Ordinal) is var cut and > 0 ? t[..cut] : _title) + " " + marker;
            NextSwitch = now + Ticks(TimeSpan.FromTicks(Math.Clamp(Schedule.Exponential(_random, _fleet.Options.IdleMean).Ticks, TimeSpan.TicksPerSecond * 10, TimeSpan.TicksPerMinute * 5)));
        }
        else
        {
            _state = SpanState.Active;
            (_app, _title, _context) = Schedule.Next(_random, marker);
            NextSwitch = now + Ticks(Schedule.Exponential(_random, _fleet.Options.SwitchMean));
        }
        _spanId = ++_lastSeq;
        _spanStartMs = startMs;
        _hasSpan = true;
        // Announced at once with zero length; checkpoints then move its end.
        _pending.Add((new SpanRecord(_spanId, _spanId, startMs, startMs, _state, _app, _title, _context), change));
        NextCheckpoint = now + Ticks(_fleet.Options.Checkpoint);
    }

    /// <summary>Starts sending what is pending, unless a send is already under way (it picks this up) or the agent is offline (sent after the reconnect).</summary>
    private void Kick()
    {
        if (_sending || !Connected || _pending.Count == 0) return;
        _sending = true;
        _ = SendLoopAsync(_generation);
    }

    private async Task SendLoopAsync(int generation)
    {
        while (true)
        {
            FrameSocket frames;
            SpanRecord[] batch;
            lock (_gate)
            {
                if (generation != _generation) return;
                if (!Connected || _pending.Count == 0)
                {
                    _sending = false;
                    return;
                }
                var count = Math.Min(_pending.Count, ProtocolConstants.MaxSpansPerBatch);
                batch = new SpanRecord[count];
                var now = Stopwatch.GetTimestamp();
                for (var i = 0; i < count; i++)
                {
                    batch[i] = _pending[i].Record;
                    if (_pending[i].Change != 0) _fleet.Changes.MarkSent(_pending[i].Change, now);
                }
                _pending.RemoveRange(0, count);
                _unacked.Enqueue(new Sent(batch[^1].Seq, batch, now));
                Interlocked.Increment(ref _fleet.Stats.SentBatches);
                Interlocked.Add(ref _fleet.Stats.SentRecords, count);
                frames = _frames!;
            }
            try
            {
                await frames.SendAsync(new SpanBatch(batch), _fleet.Stopping);
            }
            catch (Exception ex) when (ex is WebSocketException or OperationCanceledException or IOException or ObjectDisposedException)
            {
                Lost(generation, $"agent send failed ({Reason(ex)})");
                return;
            }
        }
    }

    private async Task ReceiveLoopAsync(int generation, FrameSocket frames)
    {
        string? why;
        try
        {
            while (true)
            {
                var outcome = await frames.ReceiveAsync(_fleet.Stopping);
                if (outcome == ReceiveOutcome.Closed)
                {
                    why = $"agent closed by server ({(int?)frames.Socket.CloseStatus} {frames.Socket.CloseStatusDescription})";
                    break;
                }
                if (outcome != ReceiveOutcome.Frame)
                {
                    why = $"agent got a bad frame ({outcome})";
                    break;
                }
                var decoded = FrameCodec.Decode(frames.Frame);
                switch (decoded.Message)
                {
                    case Ack ack:
                        OnAck(ack.Seq);
                        break;
                    case ErrorMessage error:
                        _fleet.Stats.Error($"server error {error.Code}");
                        break;
                    default:
                        _fleet.Stats.Error(decoded.IsOk ? $"agent got an unexpected {decoded.Message?.GetType().Name}" : $"agent got an undecodable frame ({decoded.ErrorCode})");
                        break;
                }
            }
        }
        catch (Exception ex) when (ex is WebSocketException or OperationCanceledException or IOException or ObjectDisposedException)
        {
            why = $"agent connection lost ({Reason(ex)})";
        }
        Lost(generation, why);
    }

    private void OnAck(long seq)
    {
        var now = Stopwatch.GetTimestamp();
        lock (_gate)
        {
            while (_unacked.TryPeek(out var b) && b.HighestSeq <= seq)
            {
                _unacked.Dequeue();
                _fleet.Stats.Acked(b.Records.Length, b.SentAt, now);
            }
        }
    }

    private void Lost(int generation, string why)
    {
        ClientWebSocket? socket;
        lock (_gate)
        {
            if (generation != _generation || Stopping || _fleet.Stopping.IsCancellationRequested) return;
            _generation++;
            Connected = false;
            _sending = false;
            socket = _socket;
            _socket = null;
            ScheduleReconnect();
        }
        _fleet.Stats.Error(why);
        socket?.Abort();
        socket?.Dispose();
    }

    /// <summary>As the agent's uplink: 0.5 s doubling to 30 s, with jitter of ±50 %.</summary>
    private void ScheduleReconnect()
    {
        var delay = _backoff * (0.5 + _random.NextDouble());
        _backoff = TimeSpan.FromTicks(Math.Min(_backoff.Ticks * 2, TimeSpan.TicksPerSecond * 30));
        ReconnectAt = Stopwatch.GetTimestamp() + Ticks(delay);
        _fleet.Reconnect(this);
    }

    private static long Ticks(TimeSpan t) => (long)(t.TotalSeconds * Stopwatch.Frequency);

    private static string Reason(Exception ex)
    {
        var inner = ex.GetBaseException();
        var text = ex is OperationCanceledException ? "timeout or stop" : inner.Message;
        return text.Length > 80 ? text[..80] : text;
    }
}
