using Tmds.DBus.Protocol;
using Presently.Agent.Interop.Linux;
using Presently.Agent.Platforms.Linux.Wayland;
using Presently.Agent.Sensors;

namespace Presently.Agent.Platforms.Linux.SessionBus;

/// <summary>
/// A sensor told of window changes over the session bus by a compositor-side helper (a KWin script,
/// a GNOME Shell extension). Messages arrive on the connection's thread and only record the latest
/// window and wake the sensor thread; every call that can block (idle time, reloading the helper,
/// reconnecting) happens on the sensor thread, bounded by <see cref="BusCalls.Timeout"/>.
/// When the bus goes away the window is unknown and the sensor reconnects every few seconds.
/// Idle time comes from the compositor's Wayland idle protocol when it offers one (KWin does:
/// Plasma's ScreenSaver does not tell idle time on Wayland), else from the session bus.
/// The sensor thread blocks in poll(2) on an eventfd (woken by messages and stopping) and the
/// Wayland idle socket.
/// </summary>
public abstract class SessionBusSensor : IForegroundSensor
{
    protected static readonly ForegroundSample Unknown = new(null, null, null, null);
    private static readonly TimeSpan ReconnectEvery = TimeSpan.FromSeconds(5);

    private readonly string _address;
    private readonly string? _waylandSocket;
    private readonly SafeEventFdHandle _wake = LibC.CreateEventFd();
    private readonly Lock _lock = new();
    private ForegroundSample _latest = Unknown;
    private string? _busProblem;
    private DateTimeOffset _reconnectAt;
    private DBusConnection? _connection;
    private SessionIdle? _idle;
    private IIdleSource? _waylandIdle;
    private string? _noWaylandIdle;
    private DateTimeOffset _waylandRetryAt;

    /// <param name="waylandSocket">The compositor's Wayland socket, to ask for idle time; null on X11.</param>
    protected SessionBusSensor(string address, string? waylandSocket, AgentLog log, TimeProvider time)
    {
        _address = address;
        _waylandSocket = waylandSocket;
        Log = log;
        Time = time;
    }

    protected AgentLog Log { get; }

    protected TimeProvider Time { get; }

    public abstract string Name { get; }

    public IReadOnlyList<string> Capabilities => _waylandIdle is not null || _idle?.Available == true ? [Name, "idle"] : [Name];

    /// <summary>Which idle sources to try, best first.</summary>
    private protected abstract SessionIdle.Source[] IdleSources { get; }

    /// <summary>Subscribes and asks for the current window on a new connection; throws when the helper cannot work at all.</summary>
    protected abstract Task SetUpAsync(DBusConnection connection);

    /// <summary>Runs on the sensor thread at every wake: reload, re-ask, whatever a message asked for.</summary>
    protected abstract void Maintain(DBusConnection connection);

    /// <summary>What the window part can see now, or why not (the bus itself is covered here).</summary>
    protected abstract Capability ExplainWindows();

    public IReadOnlyList<Capability> Explain()
    {
        var problem = Volatile.Read(ref _busProblem);
        var idle = _waylandIdle?.Explain()
            ?? (problem is not null ? Capability.No("idle", problem) : null)
            ?? _idle?.Explain()
            ?? Capability.No("idle", "not connected yet");
        return [problem is not null ? Capability.No("titles", problem) : ExplainWindows(), idle];
    }

    /// <summary>Connects and sets up once, for Open: any failure is the sensor being unavailable.</summary>
    protected void Start(string what)
    {
        if (_waylandSocket is not null) (_waylandIdle, _noWaylandIdle) = WaylandIdleWatcher.Open(_waylandSocket, Time, Log);
        try
        {
            // Off the caller's synchronization context (a UI or test framework's), which this thread blocks.
            Task.Run(ConnectAsync).GetAwaiter().GetResult();
        }
        catch (Exception ex) when (BusCalls.IsBusFailure(ex))
        {
            Dispose();
            throw new SensorUnavailableException($"{what}: cannot use the session bus at {_address} ({SessionIdle.Reason(ex)})");
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    private async Task ConnectAsync()
    {
        var connection = await BusCalls.ConnectAsync(_address).ConfigureAwait(false);
        try
        {
            // The session bus is asked only when the compositor does not tell idle time itself.
            if (_waylandIdle is null)
            {
                _idle = await SessionIdle.ProbeAsync(connection, Time, IdleSources).ConfigureAwait(false);
                if (!_idle.Available && _noWaylandIdle is not null) _idle.AlsoTried($"Wayland: {_noWaylandIdle}");
            }
            await SetUpAsync(connection).ConfigureAwait(false);
        }
        catch
        {
            connection.Dispose();
            throw;
        }
        _connection = connection;
        Volatile.Write(ref _busProblem, null);
        _ = connection.DisconnectedAsync().ContinueWith(t => BusLost(connection, t.Result), TaskScheduler.Default);
    }

    private void BusLost(DBusConnection connection, Exception? reason)
    {
        if (reason is null || !ReferenceEquals(connection, _connection)) return; // disposed by us
        Volatile.Write(ref _busProblem, $"the session bus connection was lost ({reason.Message}); reconnecting every {ReconnectEvery.TotalSeconds:0} s");
        Log.Warn($"{Name}: session bus connection lost ({reason.Message}); the window is unknown until it is back");
        Publish(Unknown);
    }

    /// <summary>Records the window in front now and wakes the sensor thread; safe from any thread.</summary>
    protected void Publish(ForegroundSample window)
    {
        lock (_lock) _latest = window;
        Wake();
    }

    /// <summary>Wakes the sensor thread to run <see cref="Maintain"/>.</summary>
    protected void Wake()
    {
        try
        {
            LibC.Signal(_wake);
        }
        catch (ObjectDisposedException)
        {
            // A message that arrived while the sensor was being disposed: nobody is waiting any more.
        }
    }

    public unsafe void Run(Action<ForegroundSample> onSample, SensorTiming timing, CancellationToken ct)
    {
        using var stop = ct.Register(Wake);
        _waylandIdle?.Start(timing.IdleThreshold);
        var fds = stackalloc LibC.PollFd[2];
        while (!ct.IsCancellationRequested)
        {
            var connection = KeepConnected();
            if (connection is not null) Maintain(connection);
            KeepWatchingIdle();
            var idle = _waylandIdle is { } wayland ? wayland.Idle : connection is null ? null : _idle?.Read();
            ForegroundSample window;
            lock (_lock) window = _latest;
            if (ct.IsCancellationRequested) break;
            onSample(window with { Idle = idle });

            fds[0] = new LibC.PollFd { Fd = _wake.Fd, Events = LibC.POLLIN };
            var count = 1;
            if (_waylandIdle?.WaitHandle is { } idleHandle) fds[count++] = new LibC.PollFd { Fd = (int)idleHandle.DangerousGetHandle(), Events = LibC.POLLIN };
            var idleBroken = _waylandIdle is { WaitHandle: null };
            var wait = NextWait(idle, timing, disconnected: connection is null || idleBroken, idleIsTold: _waylandIdle is not null);
            if (LibC.poll(fds, (nuint)count, (int)Math.Ceiling(wait.TotalMilliseconds)) > 0)
            {
                if (fds[0].REvents != 0) LibC.Drain(_wake);
                if (count > 1 && fds[1].REvents != 0) _waylandIdle!.Read();
            }
        }
    }

    /// <summary>Connects the Wayland idle watcher again (every few seconds) after its connection broke.</summary>
    private void KeepWatchingIdle()
    {
        if (_waylandIdle is not { } wayland || wayland.WaitHandle is not null || Time.GetUtcNow() < _waylandRetryAt) return;
        _waylandRetryAt = Time.GetUtcNow() + ReconnectEvery;
        wayland.Reconnect();
    }

    /// <summary>
    /// Told of every window change, the sensor wakes for the heartbeat. Asking the session bus for idle
    /// time, it also wakes when idle time could first reach the threshold (it grows no faster than the
    /// clock), and, once idle, every poll interval to see input come back; a compositor that tells idle
    /// time (<paramref name="idleIsTold"/>) wakes it for both.
    /// </summary>
    internal static TimeSpan NextWait(TimeSpan? idle, SensorTiming timing, bool disconnected, bool idleIsTold = false)
    {
        var wait = timing.Heartbeat + TimeSpan.FromMilliseconds(20);
        if (disconnected) wait = TimeSpan.FromTicks(Math.Min(wait.Ticks, ReconnectEvery.Ticks));
        else if (!idleIsTold && idle is { } i)
            wait = i >= timing.IdleThreshold ? timing.PollInterval : TimeSpan.FromTicks(Math.Min(wait.Ticks, (timing.IdleThreshold - i + TimeSpan.FromMilliseconds(20)).Ticks));
        return TimeSpan.FromMilliseconds(Math.Clamp(wait.TotalMilliseconds, 10, 60_000));
    }

    private DBusConnection? KeepConnected()
    {
        if (Volatile.Read(ref _busProblem) is null && _connection is { } c) return c;
        if (Time.GetUtcNow() < _reconnectAt) return null;
        _reconnectAt = Time.GetUtcNow() + ReconnectEvery;
        var old = _connection;
        _connection = null;
        old?.Dispose();
        try
        {
            ConnectAsync().GetAwaiter().GetResult();
            Log.Info($"{Name}: session bus connection is back");
            return _connection;
        }
        catch (Exception ex) when (BusCalls.IsBusFailure(ex) || ex is SensorUnavailableException)
        {
            Volatile.Write(ref _busProblem, $"the session bus connection was lost and reconnecting failed ({SessionIdle.Reason(ex)}); trying every {ReconnectEvery.TotalSeconds:0} s");
            return null;
        }
    }

    /// <summary>Undoes what SetUp did on the compositor side (unloading a script), while the bus is still there.</summary>
    protected virtual void TearDown(DBusConnection connection)
    {
    }

    public void Dispose()
    {
        var connection = _connection;
        _connection = null;
        if (connection is not null)
        {
            try
            {
                TearDown(connection);
            }
            catch (Exception ex) when (BusCalls.IsBusFailure(ex))
            {
                Log.Warn($"{Name}: could not clean up on the session bus ({SessionIdle.Reason(ex)})");
            }
            connection.Dispose();
        }
        _waylandIdle?.Dispose();
        _wake.Dispose();
        GC.SuppressFinalize(this);
    }
}
