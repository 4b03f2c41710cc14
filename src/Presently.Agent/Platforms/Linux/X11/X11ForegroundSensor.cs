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

    public void Run(Action<ForegroundSample> onSample, TimeSpan pollInterval, CancellationToken ct)
    {
        Xlib.XSelectInput(_display, _root, (nint)Xlib.PropertyChangeMask);
        Xlib.XFlush(_display);
        var fd = Xlib.XConnectionNumber(_display);
        var pollMs = (int)Math.Clamp(pollInterval.TotalMilliseconds, 10, 60_000);

        onSample(Read());
        while (!ct.IsCancellationRequested)
        {
            var pfd = new LibC.PollFd { Fd = fd, Events = LibC.POLLIN };
            // Wakes on X events, or after the poll interval at the latest.
            LibC.poll(&pfd, 1, Xlib.XPending(_display) > 0 ? 0 : pollMs);
            DrainEvents();
            if (ct.IsCancellationRequested) break;
            onSample(Read());
        }
    }

    /// <summary>Reads the current foreground state once.</summary>
    public ForegroundSample Read()
    {
        var active = X11Properties.ReadWindow(_display, _root, _atoms.NetActiveWindow);
        Watch(active ?? 0);
        TimeSpan? idle = null;
        if (_hasIdle)
        {
            var info = default(XScreenSaver.XScreenSaverInfo);
            if (XScreenSaver.XScreenSaverQueryInfo(_display, _root, ref info) != 0) idle = TimeSpan.FromMilliseconds(info.Idle);
        }
        if (active is not { } w) return new ForegroundSample(null, null, null, idle);

        var (instance, cls) = X11Properties.ReadClass(_display, w, _atoms.WmClass);
        var title = X11Properties.ReadText(_display, w, _atoms.NetWmName) ?? X11Properties.ReadText(_display, w, _atoms.WmName);
        var process = X11Properties.ReadCardinal(_display, w, _atoms.NetWmPid) is { } pid ? ProcessName(pid) : null;
        return new ForegroundSample(cls ?? instance ?? process, title, process, idle);
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

    private void DrainEvents()
    {
        Xlib.XEvent ev;
        while (Xlib.XPending(_display) > 0) Xlib.XNextEvent(_display, &ev);
    }

    private static string? ProcessName(uint pid)
    {
        try
        {
            var comm = File.ReadAllText($"/proc/{pid}/comm").Trim();
            return comm.Length == 0 ? null : comm;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    [UnmanagedCallersOnly]
    private static int IgnoreError(IntPtr display, IntPtr errorEvent) => 0;
}
