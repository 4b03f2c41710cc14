using System.Buffers;
using System.Runtime.InteropServices;
using System.Runtime.Versioning;
using Presently.Agent.Interop.Windows;
using Presently.Agent.Sensors;

namespace Presently.Agent.Platforms.Windows;

/// <summary>
/// The foreground window on Windows. WinEvent hooks (foreground changes, and title changes of the
/// foreground window) wake a message loop on the sensor's own thread; the loop also reads at least
/// every poll interval, in case an event is missed. The app is the executable's display name from
/// its version resource (UWP apps through ApplicationFrameHost's child window), the process is the
/// executable's file name, idle comes from GetLastInputInfo. A call that fails gives an unknown
/// app or title for that sample; nothing here throws out of <see cref="Run"/> because of Windows.
/// </summary>
[SupportedOSPlatform("windows")]
public sealed unsafe class WindowsForegroundSensor : IForegroundSensor
{
    /// <summary>Posted to the sensor thread to wake it at once when the agent stops.</summary>
    private const uint WakeMessage = User32.WM_APP + 0x50;
    private const int MaxChildren = 512;

    /// <summary>Out-of-context WinEvents are delivered on the thread that set the hook: this sensor's loop.</summary>
    [ThreadStatic]
    private static ForegroundTrigger? t_trigger;

    private readonly TimeProvider _time;
    private readonly AgentLog? _log;
    private readonly VersionInfoReader _versions = new();

    private WindowsForegroundSensor(TimeProvider time, AgentLog? log)
    {
        _time = time;
        _log = log;
    }

    public string Name => "windows";

    public IReadOnlyList<string> Capabilities => ["windows", "idle"];

    public static WindowsForegroundSensor Open(AgentLog? log = null, TimeProvider? time = null) => new(time ?? TimeProvider.System, log);

    public void Run(Action<ForegroundSample> onSample, SensorTiming timing, CancellationToken ct)
    {
        var pollInterval = timing.PollInterval;
        var trigger = new ForegroundTrigger(pollInterval, NowMs());
        t_trigger = trigger;
        var threadId = Kernel32.GetCurrentThreadId();
        // Creates this thread's message queue before anyone posts to it.
        User32.PeekMessageW(out _, IntPtr.Zero, 0, 0, User32.PM_NOREMOVE);
        using var wake = ct.Register(() => User32.PostThreadMessageW(threadId, WakeMessage, 0, 0));
        using var foreground = Hook(User32.EVENT_SYSTEM_FOREGROUND);
        using var names = Hook(User32.EVENT_OBJECT_NAMECHANGE);
        _log?.Info(foreground.IsInvalid || names.IsInvalid
            ? $"windows: WinEvent hooks not set (error {Marshal.GetLastPInvokeError()}); polling every {pollInterval.TotalSeconds:0.###} s"
            : $"windows: foreground and title events hooked, polling every {pollInterval.TotalSeconds:0.###} s as well");
        var events = 0L;
        try
        {
            while (!ct.IsCancellationRequested)
            {
                var now = NowMs();
                if (trigger.Due(now))
                {
                    if (trigger.AcceptedEvents != events) _log?.Debug($"windows: {trigger.AcceptedEvents - events} foreground/title event(s)");
                    events = trigger.AcceptedEvents;
                    var (sample, hwnd) = SafeRead();
                    trigger.Read(NowMs(), hwnd);
                    onSample(sample);
                    continue;
                }
                // Returns on any message (WinEvents arrive as messages) or when the next poll is due.
                var waited = User32.MsgWaitForMultipleObjectsEx(0, null, trigger.WaitMs(now), User32.QS_ALLINPUT, User32.MWMO_INPUTAVAILABLE);
                // Should the wait itself fail, polling still works; it just must not spin.
                if (waited == User32.WAIT_FAILED) Thread.Sleep((int)Math.Max(1, trigger.WaitMs(NowMs())));
                Pump();
            }
        }
        finally
        {
            t_trigger = null;
        }
    }

    /// <summary>Reads the foreground state once; any failure gives unknowns, never an exception.</summary>
    public ForegroundSample Read() => SafeRead().Sample;

    /// <summary>Nothing to release here: the hooks belong to <see cref="Run"/>'s thread and are removed there.</summary>
    public void Dispose()
    {
    }

    private (ForegroundSample Sample, IntPtr Window) SafeRead()
    {
        TimeSpan? idle = null;
        try
        {
            idle = Idle();
            var hwnd = User32.GetForegroundWindow();
            if (hwnd == IntPtr.Zero) return (new ForegroundSample(null, null, null, idle), hwnd);
            var title = Title(hwnd);
            User32.GetWindowThreadProcessId(hwnd, out var pid);
            var path = ProcessImage.PathOf(pid);
            if (UwpFrameHost.IsFrameHost(path) && UwpFrameHost.HostedProcess(pid, ChildProcesses(hwnd)) is { } app)
                path = ProcessImage.PathOf(app) ?? path;
            var name = path is null ? null : _versions.DisplayName(path);
            return (new ForegroundSample(name, title, AppDisplayName.FileName(path), idle), hwnd);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // A sensor that stops records nothing at all; one unknown sample loses only itself.
            return (new ForegroundSample(null, null, null, idle), IntPtr.Zero);
        }
    }

    private static string? Title(IntPtr hwnd)
    {
        var length = User32.GetWindowTextLengthW(hwnd);
        if (length <= 0) return null;
        // One char more than the cap, so Clean sees that the title was cut and does not split a pair.
        var capacity = Math.Min(length, WindowText.MaxTitleChars) + 2;
        var buffer = ArrayPool<char>.Shared.Rent(capacity);
        try
        {
            fixed (char* p = buffer)
            {
                var copied = User32.GetWindowTextW(hwnd, p, capacity);
                if (copied <= 0) return null;
                return WindowText.Clean(new ReadOnlySpan<char>(p, Math.Min(copied, capacity - 1)));
            }
        }
        finally
        {
            ArrayPool<char>.Shared.Return(buffer);
        }
    }

    private static TimeSpan? Idle()
    {
        var info = new User32.LASTINPUTINFO { cbSize = (uint)sizeof(User32.LASTINPUTINFO) };
        return User32.GetLastInputInfo(ref info) ? IdleTime.Since(Kernel32.GetTickCount64(), info.dwTime) : null;
    }

    private static List<uint> ChildProcesses(IntPtr frame)
    {
        var pids = new List<uint>();
        var handle = GCHandle.Alloc(pids);
        try
        {
            User32.EnumChildWindows(frame, &OnChild, GCHandle.ToIntPtr(handle));
        }
        finally
        {
            handle.Free();
        }
        return pids;
    }

    [UnmanagedCallersOnly]
    private static int OnChild(IntPtr hwnd, IntPtr state)
    {
        if (GCHandle.FromIntPtr(state).Target is not List<uint> pids) return 0;
        User32.GetWindowThreadProcessId(hwnd, out var pid);
        pids.Add(pid);
        return pids.Count < MaxChildren ? 1 : 0;
    }

    private static SafeWinEventHookHandle Hook(uint winEvent) =>
        // Skipping our own process: the agent has no windows whose events matter.
        User32.SetWinEventHook(winEvent, winEvent, IntPtr.Zero, &OnWinEvent, 0, 0, User32.WINEVENT_OUTOFCONTEXT | User32.WINEVENT_SKIPOWNPROCESS);

    [UnmanagedCallersOnly]
    private static void OnWinEvent(IntPtr hook, uint winEvent, IntPtr hwnd, int idObject, int idChild, uint thread, uint time) =>
        t_trigger?.OnEvent(winEvent, hwnd, idObject, idChild);

    /// <summary>Dispatches every queued message; WinEvent callbacks run inside PeekMessage.</summary>
    private static void Pump()
    {
        while (User32.PeekMessageW(out var msg, IntPtr.Zero, 0, 0, User32.PM_REMOVE))
        {
            if (msg.hwnd == IntPtr.Zero) continue; // thread messages: our wake-up, nothing to dispatch
            User32.TranslateMessage(msg);
            User32.DispatchMessageW(msg);
        }
    }

    private long NowMs() => (long)_time.GetElapsedTime(0).TotalMilliseconds;
}
