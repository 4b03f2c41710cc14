using System.Diagnostics;
using System.Net.WebSockets;
using System.Text;

namespace Presently.Bench.Load;

/// <summary>
/// One browser on the board: signed in on its own, it loads the board page once and holds the board
/// socket as htmx does, reading every message. It finds the change numbers in each fragment and takes
/// the first sight of each; when the server closes the socket it counts a drop and connects again at
/// once (htmx 2's ws extension would not do that for every close code: see <see cref="HtmxWouldReconnect"/>).
/// </summary>
public sealed class SimBrowser
{
    private static readonly byte[] SnapshotStart = "<div id=\"board\" hx-swap-oob=\"innerHTML\">"u8.ToArray();

    private readonly WebSession _session;
    private readonly ChangeLog _changes;
    private readonly RunStats _stats;
    private readonly byte[] _marker;
    private readonly ChunkedArray<byte> _seen = new();
    private readonly long[] _lastSeenOfAgent;
    private readonly Lock _latencyLock = new();
    private readonly List<double> _latencies = [];
    private List<double> _recent = [];
    private int _opened;
    private TaskCompletionSource _firstSnapshot = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public SimBrowser(int index, WebSession session, ChangeLog changes, RunStats stats, int agents)
    {
        Index = index;
        _session = session;
        _changes = changes;
        _stats = stats;
        _marker = Encoding.ASCII.GetBytes($"[c{changes.RunTag}-");
        _lastSeenOfAgent = new long[agents];
    }

    public int Index { get; }

    public long Messages;
    public long Bytes;
    public long Snapshots;
    public long SnapshotsMeasured;
    public long Drops;
    public long DropsMeasured;
    public long DropsHtmxWouldNotReconnect;
    public long Reconnects;
    public long ShownBySnapshot;
    public long BiggestMessage;
    public readonly Dictionary<string, long> DropReasons = [];

    /// <summary>Completes when the first board snapshot has arrived.</summary>
    public Task FirstSnapshot => _firstSnapshot.Task;

    public static bool HtmxWouldReconnect(int? closeCode) => closeCode is null or 1006 or 1011 or 1012 or 1013;

    /// <summary>Holds the board socket until <paramref name="ct"/> is cancelled.</summary>
    public async Task RunAsync(CancellationToken ct)
    {
        // A browser opens the page first; htmx then opens the socket (and, later, only the socket again).
        try
        {
            using var page = await _session.Http.GetAsync("/", ct);
            if (!page.IsSuccessStatusCode) _stats.Error($"board page answered {(int)page.StatusCode}");
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException && !ct.IsCancellationRequested)
        {
            _stats.Error("board page failed");
        }

        var buffer = new byte[64 * 1024];
        while (!ct.IsCancellationRequested)
        {
            ClientWebSocket socket;
            try
            {
                socket = await _session.OpenBoardAsync(ct);
            }
            catch (Exception ex) when (ex is WebSocketException or HttpRequestException or IOException && !ct.IsCancellationRequested)
            {
                _stats.Error($"board connect failed ({ex.Message})");
                await Task.Delay(TimeSpan.FromSeconds(1), ct).ContinueWith(_ => { }, CancellationToken.None);
                continue;
            }
            catch (OperationCanceledException)
            {
                return;
            }
            if (_opened++ > 0) Reconnects++;
            using (socket)
            {
                string? dropped = null;
                int? code = null;
                try
                {
                    var count = 0;
                    while (true)
                    {
                        if (count == buffer.Length) Array.Resize(ref buffer, buffer.Length * 2);
                        var r = await socket.ReceiveAsync(buffer.AsMemory(count), ct);
                        if (r.MessageType == WebSocketMessageType.Close)
                        {
                            code = (int?)socket.CloseStatus;
                            dropped = $"closed by server {code} {socket.CloseStatusDescription}".Trim();
                            // Answer the close, as a browser does.
                            using var answer = new CancellationTokenSource(TimeSpan.FromSeconds(2));
                            try
                            {
                                await socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "", answer.Token);
                            }
                            catch (Exception ex) when (ex is WebSocketException or OperationCanceledException)
                            {
                            }
                            break;
                        }
                        count += r.Count;
                        if (!r.EndOfMessage) continue;
                        OnMessage(buffer.AsSpan(0, count), Stopwatch.GetTimestamp());
                        count = 0;
                    }
                }
                catch (OperationCanceledException) when (ct.IsCancellationRequested)
                {
                    return;
                }
                catch (Exception ex) when (ex is WebSocketException or IOException)
                {
                    dropped = $"connection lost ({ex.GetBaseException().Message})";
                }
                Drops++;
                if (_stats.Measuring) DropsMeasured++;
                if (!HtmxWouldReconnect(code)) DropsHtmxWouldNotReconnect++;
                DropReasons[dropped!] = DropReasons.GetValueOrDefault(dropped!) + 1;
            }
        }
    }

    private void OnMessage(ReadOnlySpan<byte> message, long receivedAt)
    {
        Messages++;
        Bytes += message.Length;
        if (message.Length > BiggestMessage) BiggestMessage = message.Length;
        var snapshot = message.TrimStart(" \r\n\t"u8).StartsWith(SnapshotStart);
        if (snapshot)
        {
            Snapshots++;
            if (_stats.Measuring) SnapshotsMeasured++;
        }

        var rest = message;
        while (rest.IndexOf(_marker) is var at and >= 0)
        {
            rest = rest[(at + _marker.Length)..];
            long id = 0;
            var digits = 0;
            while (digits < rest.Length && digits < 18 && rest[digits] is >= (byte)'0' and <= (byte)'9') id = id * 10 + (rest[digits++] - '0');
            if (digits == 0 || digits >= rest.Length || rest[digits] != (byte)']') continue;
            rest = rest[digits..];
            Saw(id, receivedAt, snapshot);
        }
        if (snapshot) _firstSnapshot.TrySetResult();
    }

    private void Saw(long id, long receivedAt, bool snapshot)
    {
        if (id <= 0 || id > _changes.Count) return;
        ref var seen = ref _seen[id];
        if (seen != 0) return;
        seen = 1;
        var agent = _changes.AgentOf(id);
        if ((uint)agent < (uint)_lastSeenOfAgent.Length && _lastSeenOfAgent[agent] < id) _lastSeenOfAgent[agent] = id;
        var sentAt = _changes.SentAt(id);
        if (sentAt == 0) return;
        var measured = _changes.PhaseOf(id) == Phase.Measured;
        if (measured && snapshot) ShownBySnapshot++;
        var ms = Stopwatch.GetElapsedTime(sentAt, receivedAt).TotalMilliseconds;
        lock (_latencyLock)
        {
            if (measured) _latencies.Add(ms);
            _recent.Add(ms);
        }
    }

    /// <summary>Latencies of the changes first seen since the last call, in any period (for progress lines).</summary>
    public List<double> TakeRecent()
    {
        lock (_latencyLock)
        {
            var recent = _recent;
            _recent = [];
            return recent;
        }
    }

    public List<double> Latencies()
    {
        lock (_latencyLock) return [.. _latencies];
    }

    /// <summary>How this browser fared with change <paramref name="id"/>: shown, superseded (a later change of the agent was shown instead) or missing.</summary>
    public ChangeFate Fate(long id)
    {
        if (_seen.Get(id) != 0) return ChangeFate.Shown;
        var agent = _changes.AgentOf(id);
        return _lastSeenOfAgent[agent] > id ? ChangeFate.Superseded : ChangeFate.Missing;
    }
}

public enum ChangeFate
{
    Shown,
    Superseded,
    Missing,
}
