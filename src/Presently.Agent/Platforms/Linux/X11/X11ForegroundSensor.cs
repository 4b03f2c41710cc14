using System.Runtime.InteropServices;
using Presently.Agent.Interop.Linux;
using Presently.Agent.Sensors;

namespace Presently.Agent.Platforms.Linux.X11;

/// <summary>
/// The foreground window on X11: the root window's <c>_NET_ACTIVE_WINDOW</c>, watched through
/// PropertyNotify events (the window manager updates it on every focus change), with a poll as a
/// fallback for window managers that do not. Title changes of the active window arrive the same
/// way. Idle time comes from the MIT-SCREEN-SAVER extension. All Xlib calls stay on the calling thread.
/// </summary>
public sealed unsafe class X11ForegroundSensor : IForegroundSensor
{
    private readonly SafeDisplayHandle _display;
    private readonly nuint _root;
    private readonly X11Atoms _atoms;
    private readonly bool _hasIdle;
    private nuint _watched;
    private const int FullReadEveryWakes = 30;
    private const int MaxRememberedWindows = 256;
    private readonly Dictionary<nuint, (string? App, string? Process, int? Pid)> _identities = [];

    private X11ForegroundSensor(SafeDisplayHandle display, bool hasIdle)
    {
        _display = display;
        _root = Xlib.XDefaultRootWindow(display);
        _atoms = X11Atoms.Intern(display);
        _hasIdle = hasIdle;
    }

    public string Name => "x11";

    public IReadOnlyList<string> Capabilities => _hasIdle ? ["x11", "idle"] : ["x11"];

    public IReadOnlyList<Capability> Explain() =>
    [
        Capability.Yes("titles"),
        _hasIdle ? Capability.Yes("idle") : Capability.No("idle", "the X server has no MIT-SCREEN-SAVER extension, or libXss.so.1 (Debian libxss1) is missing"),
    ];

    /// <summary>Connects to <c>$DISPLAY</c>, or explains what is missing.</summary>
    public static X11ForegroundSensor Open(string? displayName = null)
    {
        displayName ??= Environment.GetEnvironmentVariable("DISPLAY");
        if (string.IsNullOrEmpty(displayName))
            throw new SensorUnavailableException("no X display: DISPLAY is not set. The Linux agent needs an X11 session (or XWayland).");
        SafeDisplayHandle display;
        try
        {
            display = Xlib.XOpenDisplay(displayName);
        }
        catch (DllNotFoundException)
        {
            throw new SensorUnavailableException("libX11.so.6 is not installed (Debian package libx11-6).");
        }
        if (display.IsInvalid)
            throw new SensorUnavailableException($"cannot open X display '{displayName}': is an X server running there, and may this user connect to it?");

        // A window can close between reading _NET_ACTIVE_WINDOW and reading its title; Xlib's default
        // handler would exit the process on the resulting BadWindow.
        Xlib.XSetErrorHandler(&IgnoreError);

        bool hasIdle;
        try
        {
            hasIdle = XScreenSaver.XScreenSaverQueryExtension(display, out _, out _);
        }
        catch (DllNotFoundException)
        {
            hasIdle = false;
        }
        return new X11ForegroundSensor(display, hasIdle);
    }

    public void Run(Action<ForegroundSample> onSample, SensorTiming timing, CancellationToken ct)
    {
        Xlib.XSelectInput(_display, _root, (nint)Xlib.PropertyChangeMask);
        Xlib.XFlush(_display);
        var fd = Xlib.XConnectionNumber(_display);
        using var alarms = _hasIdle ? IdleAlarms.TryCreate(_display, timing.IdleThreshold, out _) : null;
        // Told of every window, title and idle change, the sensor only has to wake for the heartbeat
        // (a little after it, so the gate never finds it a hair short); otherwise it polls.
        var waitMs = (int)Math.Clamp((alarms is null ? timing.PollInterval : timing.Heartbeat + TimeSpan.FromMilliseconds(20)).TotalMilliseconds, 10, 60_000);

        // Stopping wakes the poll at once: the sensor may otherwise sleep a whole heartbeat, and the
        // display must not be closed under a thread still using it.
        using var stop = LibC.CreateEventFd();
        using var wake = ct.Register(() => LibC.Signal(stop));

        var window = ReadWindow();
        onSample(window with { Idle = ReadIdle() });
        var quietWakes = 0;
        var fds = stackalloc LibC.PollFd[2];
        while (!ct.IsCancellationRequested)
        {
            fds[0] = new LibC.PollFd { Fd = fd, Events = LibC.POLLIN };
            fds[1] = new LibC.PollFd { Fd = stop.Fd, Events = LibC.POLLIN };
            var ready = LibC.poll(fds, 2, Xlib.XPending(_display) > 0 ? 0 : waitMs);
            var seen = DrainEvents(alarms?.NotifyEvent ?? -1);
            if (ct.IsCancellationRequested) break;
            // A window manager changes many properties on every switch; only _NET_ACTIVE_WINDOW on the
            // root and the title of the window in front matter. Without either, only idle time is asked
            // for (one round trip instead of five); now and then everything is read anyway.
            if ((seen & Seen.Active) != 0 || ++quietWakes >= FullReadEveryWakes)
            {
                // The periodic read trusts nothing remembered (window ids can be reused).
                if (quietWakes >= FullReadEveryWakes) _identities.Clear();
                window = ReadWindow();
                quietWakes = 0;
            }
            else if ((seen & Seen.Title) != 0 && _watched != 0)
            {
                window = window with { Title = ReadTitle(_watched) };
            }
            else if (ready > 0 && seen == Seen.Nothing)
            {
                continue; // other properties changing: nothing the pipeline needs
            }
            onSample(window with { Idle = ReadIdle() });
        }
    }

    /// <summary>Reads the current foreground state once.</summary>
    public ForegroundSample Read() => ReadWindow() with { Idle = ReadIdle() };

    private ForegroundSample ReadWindow()
    {
        var active = X11Properties.ReadWindow(_display, _root, _atoms.NetActiveWindow);
        Watch(active ?? 0);
        if (active is not { } w) return new ForegroundSample(null, null, null, null);

        // A window's class and process never change: they are read once per window (a switch back
        // and forth then costs two round trips, the active window and its title).
        if (!_identities.TryGetValue(w, out var identity))
        {
            var (instance, cls) = X11Properties.ReadClass(_display, w, _atoms.WmClass);
            var pid = X11Properties.ReadCardinal(_display, w, _atoms.NetWmPid) is { } p and > 0 and <= int.MaxValue ? (int?)p : null;
            var process = ProcFs.ProcessName(pid);
            identity = (cls ?? instance ?? process, process, pid);
            if (_identities.Count >= MaxRememberedWindows) _identities.Clear();
            _identities[w] = identity;
        }
        return new ForegroundSample(identity.App, ReadTitle(w), identity.Process, null, identity.Pid);
    }

    private string? ReadTitle(nuint w) => X11Properties.ReadText(_display, w, _atoms.NetWmName) ?? X11Properties.ReadText(_display, w, _atoms.WmName);

    private TimeSpan? ReadIdle()
    {
        if (!_hasIdle) return null;
        var info = default(XScreenSaver.XScreenSaverInfo);
        return XScreenSaver.XScreenSaverQueryInfo(_display, _root, ref info) != 0 ? TimeSpan.FromMilliseconds(info.Idle) : null;
    }

    public void Dispose() => _display.Dispose();

    /// <summary>Listens for title changes on the active window only.</summary>
    private void Watch(nuint window)
    {
        if (window == _watched) return;
        if (_watched != 0) Xlib.XSelectInput(_display, _watched, (nint)Xlib.NoEventMask);
        if (window != 0) Xlib.XSelectInput(_display, window, (nint)Xlib.PropertyChangeMask);
        Xlib.XFlush(_display);
        _watched = window;
    }

    [Flags]
    private enum Seen
    {
        Nothing = 0,
        Active = 1,
        Title = 2,
        Idle = 4,
    }

    /// <summary>Reads every queued event and says which of them matter.</summary>
    private Seen DrainEvents(int alarmEvent)
    {
        Xlib.XEvent ev;
        var seen = Seen.Nothing;
        while (Xlib.XPending(_display) > 0)
        {
            Xlib.XNextEvent(_display, &ev);
            if (ev.Type == alarmEvent) seen |= Seen.Idle;
            else if (ev.Type != Xlib.PropertyNotify) continue;
            else if (ev.Property.Window == _root && ev.Property.Atom == _atoms.NetActiveWindow) seen |= Seen.Active;
            else if (ev.Property.Window == _watched && (ev.Property.Atom == _atoms.NetWmName || ev.Property.Atom == _atoms.WmName)) seen |= Seen.Title;
        }
        return seen;
    }

    [UnmanagedCallersOnly]
    private static int IgnoreError(IntPtr display, IntPtr errorEvent) => 0;
}
