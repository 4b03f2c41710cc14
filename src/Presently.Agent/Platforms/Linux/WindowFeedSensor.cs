using System.Net.Sockets;
using Presently.Agent.Interop.Linux;
using Presently.Agent.Sensors;

namespace Presently.Agent.Platforms.Linux;

/// <summary>
/// The foreground window from a compositor that announces focus changes on a socket (sway, i3,
/// Hyprland), with idle time from <see cref="IIdleSource"/>. Like the X11 sensor it blocks in
/// poll(2) on the sockets and an eventfd that stopping signals, waking only for events, the
/// heartbeat and reconnection attempts. When the compositor goes away or talks nonsense the
/// sensor keeps running: samples carry no app, <see cref="Explain"/> says what broke, and it
/// reconnects with a growing delay.
/// </summary>
internal sealed unsafe class WindowFeedSensor : IForegroundSensor
{
    public static readonly TimeSpan FirstRetry = TimeSpan.FromMilliseconds(500);
    public static readonly TimeSpan LastRetry = TimeSpan.FromSeconds(15);

    private readonly IWindowFeed _feed;
    private readonly IIdleSource? _idle;
    private readonly string? _noIdle;
    private readonly TimeProvider _time;
    private readonly AgentLog? _log;
    private volatile string? _broken = "not connected yet";

    /// <param name="noIdle">Why there is no idle source, when <paramref name="idle"/> is null.</param>
    public WindowFeedSensor(IWindowFeed feed, IIdleSource? idle, string? noIdle, TimeProvider time, AgentLog? log)
    {
        _feed = feed;
        _idle = idle;
        _noIdle = noIdle;
        _time = time;
        _log = log;
    }

    public string Name => _feed.Name;

    public IReadOnlyList<string> Capabilities => _idle is null ? [_feed.Name] : [_feed.Name, "idle"];

    public IReadOnlyList<Capability> Explain() =>
    [
        _broken is { } why ? Capability.No("titles", why) : Capability.Yes("titles"),
        _idle?.Explain() ?? Capability.No("idle", _noIdle ?? "no idle source"),
    ];

    public void Run(Action<ForegroundSample> onSample, SensorTiming timing, CancellationToken ct)
    {
        _idle?.Start(timing.IdleThreshold);
        using var stop = LibC.CreateEventFd();
        using var wake = ct.Register(() => LibC.Signal(stop));
        var heartbeat = timing.Heartbeat + TimeSpan.FromMilliseconds(20);
        var retry = FirstRetry;
        long nextAttempt = _time.GetTimestamp();
        Socket? socket = null;
        var window = WindowInfo.None;
        long? sentAt = null;
        // After connecting, a feed whose first window comes as a reply gets a moment for it, so
        // the first sample is not a needless "nothing in front".
        long? awaitingFirst = null;
        var fds = stackalloc LibC.PollFd[3];
        try
        {
            while (!ct.IsCancellationRequested)
            {
                var changed = false;
                if (socket is null && _time.GetElapsedTime(nextAttempt) >= TimeSpan.Zero)
                {
                    try
                    {
                        socket = _feed.Connect(out var initial);
                        if (_broken is not null) _log?.Info($"{_feed.Name}: connected to {_feed.Endpoint}");
                        _broken = null;
                        retry = FirstRetry;
                        _idle?.Reconnect();
                        if (initial is null) awaitingFirst = _time.GetTimestamp();
                        else
                        {
                            window = initial;
                            changed = true;
                        }
                    }
                    catch (Exception ex) when (ex is SocketException or IOException or InvalidDataException or TimeoutException)
                    {
                        Broke(ex, ref retry, ref nextAttempt);
                        changed = true;
                    }
                }

                var count = 0;
                fds[count++] = new LibC.PollFd { Fd = stop.Fd, Events = LibC.POLLIN };
                var feedSlot = socket is null ? -1 : count;
                if (socket is not null) fds[count++] = new LibC.PollFd { Fd = (int)socket.Handle, Events = LibC.POLLIN };
                var idleHandle = _idle?.WaitHandle;
                var idleSlot = idleHandle is null ? -1 : count;
                if (idleHandle is not null) fds[count++] = new LibC.PollFd { Fd = (int)idleHandle.DangerousGetHandle(), Events = LibC.POLLIN };

                if (!changed)
                {
                    var wait = sentAt is { } s ? heartbeat - _time.GetElapsedTime(s) : TimeSpan.Zero;
                    if (awaitingFirst is { } a) wait = sentAt is null ? Until(a, FirstWindowWait) : Min(wait, Until(a, FirstWindowWait));
                    if (socket is null) wait = Min(wait, -_time.GetElapsedTime(nextAttempt));
                    var waitMs = (int)Math.Clamp(Math.Ceiling(wait.TotalMilliseconds), 0, 60_000);
                    if (LibC.poll(fds, (nuint)count, waitMs) > 0)
                    {
                        if (fds[0].REvents != 0 || ct.IsCancellationRequested) break;
                        if (feedSlot >= 0 && fds[feedSlot].REvents != 0)
                        {
                            try
                            {
                                if (_feed.Read() is { } seen)
                                {
                                    changed = seen != window || awaitingFirst is not null;
                                    window = seen;
                                    awaitingFirst = null;
                                }
                            }
                            catch (Exception ex) when (ex is SocketException or IOException or InvalidDataException)
                            {
                                _feed.Dispose();
                                socket = null;
                                awaitingFirst = null;
                                window = WindowInfo.None;
                                Broke(ex, ref retry, ref nextAttempt);
                                changed = true;
                            }
                        }
                        if (idleSlot >= 0 && fds[idleSlot].REvents != 0 && _idle!.Read()) changed = true;
                    }
                }
                if (ct.IsCancellationRequested) break;
                if (awaitingFirst is { } since && _time.GetElapsedTime(since) >= FirstWindowWait) awaitingFirst = null;
                var due = awaitingFirst is null && (sentAt is not { } last || _time.GetElapsedTime(last) >= timing.Heartbeat);
                if (changed || due)
                {
                    onSample(window.ToSample(_idle?.Idle));
                    sentAt = _time.GetTimestamp();
                }
            }
        }
        finally
        {
            _feed.Dispose();
        }
    }

    private static readonly TimeSpan FirstWindowWait = TimeSpan.FromSeconds(1);

    /// <summary>Time left until <paramref name="length"/> has passed since <paramref name="since"/>.</summary>
    private TimeSpan Until(long since, TimeSpan length) => length - _time.GetElapsedTime(since);

    private static TimeSpan Min(TimeSpan a, TimeSpan b) => a < b ? a : b;

    private void Broke(Exception ex, ref TimeSpan retry, ref long nextAttempt)
    {
        var why = $"{_feed.Name} at {_feed.Endpoint}: {Describe(ex)}; apps are unknown until it answers again (next try in {retry.TotalSeconds:0.#} s)";
        if (_broken is null || !_broken.StartsWith(why[..why.IndexOf(';', StringComparison.Ordinal)], StringComparison.Ordinal))
            _log?.Warn(why);
        _broken = why;
        nextAttempt = _time.GetTimestamp() + (long)(retry.TotalSeconds * _time.TimestampFrequency);
        retry = TimeSpan.FromTicks(Math.Min(retry.Ticks * 2, LastRetry.Ticks));
    }

    private static string Describe(Exception ex) => ex switch
    {
        SocketException s => $"cannot connect ({s.SocketErrorCode}: {s.Message})",
        InvalidDataException => $"it sent something that is not its protocol ({ex.Message})",
        _ => ex.Message,
    };

    public void Dispose()
    {
        _feed.Dispose();
        _idle?.Dispose();
    }
}
