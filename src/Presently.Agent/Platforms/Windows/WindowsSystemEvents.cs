using System.Runtime.InteropServices;
using System.Runtime.Versioning;
using Presently.Agent.Interop.Windows;
using Presently.Agent.Sensors;

namespace Presently.Agent.Platforms.Windows;

/// <summary>
/// Screen lock and sleep on Windows: a message-only window on its own thread, registered for
/// session notifications (WM_WTSSESSION_CHANGE: lock, unlock) and suspend/resume notifications
/// (WM_POWERBROADCAST; message-only windows get no broadcasts, so they are asked for explicitly).
/// Without them the agent still notices sleep from the gap between samples.
/// </summary>
[SupportedOSPlatform("windows")]
public sealed unsafe class WindowsSystemEvents : ISystemEventSource
{
    private const string ClassName = "Presently.SystemEvents";

    /// <summary>The window procedure runs on the window's thread, which belongs to one instance.</summary>
    [ThreadStatic]
    private static WindowsSystemEvents? t_current;

    private readonly AgentLog _log;
    private readonly SystemEventMessages _messages = new();
    private Action<SystemEvent>? _onEvent;
    private Thread? _thread;
    private uint _threadId;

    public WindowsSystemEvents(AgentLog log) => _log = log;

    public string Name => "windows-session";

    public Task<bool> StartAsync(Action<SystemEvent> onEvent, CancellationToken ct)
    {
        _onEvent = onEvent;
        var started = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
        _thread = new Thread(() => Loop(started)) { IsBackground = true, Name = "presently-system-events" };
        _thread.Start();
        return started.Task.WaitAsync(ct);
    }

    public ValueTask DisposeAsync()
    {
        if (_thread is { } thread)
        {
            // WM_QUIT ends GetMessage; the loop then unregisters and destroys the window on its own thread.
            User32.PostThreadMessageW(Volatile.Read(ref _threadId), User32.WM_QUIT, 0, 0);
            thread.Join(TimeSpan.FromSeconds(2));
            _thread = null;
        }
        return ValueTask.CompletedTask;
    }

    private void Loop(TaskCompletionSource<bool> started)
    {
        t_current = this;
        Volatile.Write(ref _threadId, Kernel32.GetCurrentThreadId());
        User32.PeekMessageW(out _, IntPtr.Zero, 0, 0, User32.PM_NOREMOVE);
        var instance = Kernel32.GetModuleHandleW(null);
        var hwnd = IntPtr.Zero;
        var power = IntPtr.Zero;
        var session = false;
        try
        {
            fixed (char* name = ClassName)
            {
                var wc = new User32.WNDCLASSEXW { cbSize = (uint)sizeof(User32.WNDCLASSEXW), lpfnWndProc = &WndProc, hInstance = instance, lpszClassName = name };
                // 0 with ERROR_CLASS_ALREADY_EXISTS is fine: a second source in this process reuses the class.
                User32.RegisterClassExW(wc);
            }
            hwnd = User32.CreateWindowExW(0, ClassName, "Presently", 0, 0, 0, 0, 0, User32.HWND_MESSAGE, IntPtr.Zero, instance, IntPtr.Zero);
            if (hwnd == IntPtr.Zero)
            {
                _log.Info($"no window for session notifications (error {Marshal.GetLastPInvokeError()}); sleep is detected from gaps between samples, screen lock is not");
                started.TrySetResult(false);
                return;
            }
            session = WtsApi32.WTSRegisterSessionNotification(hwnd, WtsApi32.NOTIFY_FOR_THIS_SESSION);
            power = User32.RegisterSuspendResumeNotification(hwnd, User32.DEVICE_NOTIFY_WINDOW_HANDLE);
            _log.Info($"windows: watching {(session ? "screen lock" : "no screen lock")} and {(power != IntPtr.Zero ? "sleep" : "sleep from gaps between samples only")}");
            started.TrySetResult(session || power != IntPtr.Zero);
            while (User32.GetMessageW(out var msg, IntPtr.Zero, 0, 0) > 0)
            {
                User32.TranslateMessage(msg);
                User32.DispatchMessageW(msg);
            }
        }
        catch (Exception ex) when (ex is DllNotFoundException or EntryPointNotFoundException)
        {
            // An old or partial Windows (or Wine) without one of these calls: not a reason to stop the agent.
            _log.Info($"session notifications unavailable ({ex.Message}); sleep is detected from gaps between samples");
            started.TrySetResult(false);
        }
        finally
        {
            if (power != IntPtr.Zero) User32.UnregisterSuspendResumeNotification(power);
            if (session) WtsApi32.WTSUnRegisterSessionNotification(hwnd);
            if (hwnd != IntPtr.Zero) User32.DestroyWindow(hwnd);
            t_current = null;
        }
    }

    private void Deliver(uint message, nuint wParam)
    {
        if (_messages.Map(message, wParam) is { } e) _onEvent?.Invoke(e);
    }

    [UnmanagedCallersOnly]
    private static nint WndProc(IntPtr hwnd, uint message, nuint wParam, nint lParam)
    {
        if (message is User32.WM_WTSSESSION_CHANGE or User32.WM_POWERBROADCAST)
        {
            try
            {
                t_current?.Deliver(message, wParam);
            }
            catch (Exception)
            {
                // An exception must not cross into user32; a lost event only costs accuracy.
            }
            // TRUE: for PBT_APMQUERYSUSPEND this grants the request; other codes ignore the result.
            if (message == User32.WM_POWERBROADCAST) return 1;
            return 0;
        }
        return User32.DefWindowProcW(hwnd, message, wParam, lParam);
    }
}
