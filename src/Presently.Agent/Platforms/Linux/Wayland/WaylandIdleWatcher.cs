using System.Diagnostics;
using System.Net.Sockets;
using Presently.Agent.Sensors;

namespace Presently.Agent.Platforms.Linux.Wayland;

/// <summary>
/// Idle time from a Wayland compositor, spoken directly on its socket (no libwayland): binds
/// <c>wl_seat</c> and <c>ext_idle_notifier_v1</c> (or, on older compositors such as sway 1.7,
/// <c>org_kde_kwin_idle</c>) and asks to be told when input stops for the threshold. The compositor
/// only says "idled" and "resumed", so the idle time is the threshold plus the time since "idled",
/// and zero after "resumed" (or before anything was said: input stopped less than the threshold ago).
/// </summary>
internal sealed class WaylandIdleWatcher : IIdleSource
{
    private const string ExtNotifier = "ext_idle_notifier_v1";
    private const string KdeIdle = "org_kde_kwin_idle";
    private static readonly TimeSpan SetupTimeout = TimeSpan.FromSeconds(3);

    // Object ids this client gives out, in order (a Wayland server wants new ids to come next in sequence).
    private const uint Display = 1, Registry = 2, SyncCallback = 3, Seat = 4, Notifier = 5, Notification = 6;

    private readonly string _socketPath;
    private readonly TimeProvider _time;
    private readonly AgentLog? _log;
    private Socket? _socket;
    private WaylandEventReader _reader = new();
    private string _protocol = "";
    private TimeSpan? _threshold;
    private long? _idledAt;
    private bool _watching;
    private volatile string? _broken;

    private WaylandIdleWatcher(string socketPath, TimeProvider time, AgentLog? log)
    {
        _socketPath = socketPath;
        _time = time;
        _log = log;
    }

    /// <summary>Connects and finds an idle protocol; returns the watcher, or null and why there is none.</summary>
    public static (IIdleSource? Idle, string? Why) Open(string socketPath, TimeProvider time, AgentLog? log)
    {
        var watcher = new WaylandIdleWatcher(socketPath, time, log);
        try
        {
            watcher.Connect();
            return (watcher, null);
        }
        catch (Exception ex) when (ex is SocketException or IOException or InvalidDataException or NotSupportedException)
        {
            watcher.Dispose();
            var why = ex is NotSupportedException ? ex.Message : $"cannot use the Wayland socket {socketPath}: {ex.Message}";
            log?.Info($"idle: {why}");
            return (null, why);
        }
    }

    public Socket? Socket => _watching ? _socket : null;

    public System.Runtime.InteropServices.SafeHandle? WaitHandle => Socket?.SafeHandle;

    /// <summary>Which protocol is in use: ext_idle_notifier_v1 or org_kde_kwin_idle.</summary>
    public string Protocol => _protocol;

    public TimeSpan? Idle =>
        !_watching || _threshold is not { } threshold ? null
        : _idledAt is { } at ? threshold + _time.GetElapsedTime(at)
        : TimeSpan.Zero;

    public Capability Explain() => _broken is { } why ? Capability.No("idle", why) : Capability.Yes("idle");

    public void Start(TimeSpan threshold)
    {
        _threshold = threshold;
        if (_socket is null) return;
        try
        {
            Ask(threshold);
        }
        catch (Exception ex) when (ex is SocketException or IOException)
        {
            Broke($"the compositor's Wayland connection failed: {ex.Message}");
        }
    }

    public bool Reconnect()
    {
        if (_watching) return true;
        try
        {
            Connect();
            if (_threshold is { } t) Ask(t);
            _log?.Info($"idle: watching again over {_protocol}");
            return true;
        }
        catch (Exception ex) when (ex is SocketException or IOException or InvalidDataException or NotSupportedException)
        {
            Broke($"cannot use the Wayland socket {_socketPath} again: {ex.Message}");
            return false;
        }
    }

    public bool Read()
    {
        if (_socket is not { } socket) return false;
        var before = Idle is { } b ? b >= _threshold : (bool?)null;
        try
        {
            var got = socket.Receive(_reader.FreeSpace().Span, SocketFlags.None, out var error);
            if (error != SocketError.Success) throw new SocketException((int)error);
            if (got == 0) throw new IOException("the compositor closed its Wayland connection");
            _reader.Advance(got);
            while (_reader.TryNext(out var id, out var opcode, out var args)) Handle(id, opcode, args.Span);
        }
        catch (Exception ex) when (ex is SocketException or IOException or InvalidDataException)
        {
            Broke(ex.Message);
        }
        var after = Idle is { } a ? a >= _threshold : (bool?)null;
        return before != after;
    }

    private void Handle(uint id, ushort opcode, ReadOnlySpan<byte> args)
    {
        if (id == Notification)
        {
            // The same opcodes in both protocols: 0 idled (idle), 1 resumed.
            if (opcode == 0) _idledAt ??= _time.GetTimestamp();
            else if (opcode == 1) _idledAt = null;
        }
        else if (id == Display && opcode == 0)
        {
            var offset = 0;
            var objectId = WaylandWire.ReadUInt(args, ref offset);
            var code = WaylandWire.ReadUInt(args, ref offset);
            throw new IOException($"the compositor reported a protocol error on object {objectId} (code {code}): {WaylandWire.ReadString(args, ref offset)}");
        }
        // Everything else (delete_id, seat capabilities, globals coming and going) changes nothing here.
    }

    private void Connect()
    {
        Close();
        var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        _socket = socket;
        _reader = new WaylandEventReader();
        _idledAt = null;
        socket.Connect(new UnixDomainSocketEndPoint(_socketPath));
        socket.SendTimeout = 2000;
        socket.ReceiveTimeout = 2000;
        socket.Send([.. WaylandWire.Request(Display, 1, WaylandArg.UInt(Registry)), .. WaylandWire.Request(Display, 0, WaylandArg.UInt(SyncCallback))]);

        // The globals arrive before the sync callback is done.
        (uint Name, uint Version)? seat = null, ext = null, kde = null;
        var deadline = Stopwatch.StartNew();
        var synced = false;
        while (!synced)
        {
            if (deadline.Elapsed > SetupTimeout) throw new IOException("the compositor did not list its globals in time");
            var got = socket.Receive(_reader.FreeSpace().Span);
            if (got == 0) throw new IOException("the compositor closed its Wayland connection");
            _reader.Advance(got);
            while (_reader.TryNext(out var id, out var opcode, out var args))
            {
                if (id == SyncCallback && opcode == 0) synced = true;
                else if (id == Registry && opcode == 0)
                {
                    var offset = 0;
                    var span = args.Span;
                    var name = WaylandWire.ReadUInt(span, ref offset);
                    var iface = WaylandWire.ReadString(span, ref offset);
                    var version = WaylandWire.ReadUInt(span, ref offset);
                    if (iface == "wl_seat") seat ??= (name, version);
                    else if (iface == ExtNotifier) ext = (name, version);
                    else if (iface == KdeIdle) kde = (name, version);
                }
                else Handle(id, opcode, args.Span);
            }
        }
        if (seat is not { } s) throw new NotSupportedException("the compositor has no seat (wl_seat), so no input to be idle from");
        if ((ext ?? kde) is not { } notifier)
            throw new NotSupportedException($"the compositor offers neither {ExtNotifier} nor {KdeIdle}, so it does not tell when input stops");
        _protocol = ext is not null ? ExtNotifier : KdeIdle;
        socket.Send([
            .. WaylandWire.Request(Registry, 0, WaylandArg.UInt(s.Name), WaylandArg.String("wl_seat"), WaylandArg.UInt(1), WaylandArg.UInt(Seat)),
            .. WaylandWire.Request(Registry, 0, WaylandArg.UInt(notifier.Name), WaylandArg.String(_protocol), WaylandArg.UInt(1), WaylandArg.UInt(Notifier)),
        ]);
        _broken = null;
    }

    private void Ask(TimeSpan threshold)
    {
        var ms = (uint)Math.Clamp(threshold.TotalMilliseconds, 1, uint.MaxValue);
        _socket!.Send(_protocol == ExtNotifier
            ? WaylandWire.Request(Notifier, 1, WaylandArg.UInt(Notification), WaylandArg.UInt(ms), WaylandArg.UInt(Seat))
            : WaylandWire.Request(Notifier, 0, WaylandArg.UInt(Notification), WaylandArg.UInt(Seat), WaylandArg.UInt(ms)));
        _watching = true;
    }

    private void Broke(string why)
    {
        if (_broken is null) _log?.Warn($"idle: {why}; idle time is unknown until the compositor is back");
        _broken = $"{why} (Wayland socket {_socketPath}); idle time is unknown until it is back";
        Close();
    }

    private void Close()
    {
        _watching = false;
        _socket?.Dispose();
        _socket = null;
    }

    public void Dispose() => Close();
}
