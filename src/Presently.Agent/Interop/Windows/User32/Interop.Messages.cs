using System.Runtime.InteropServices;
using System.Runtime.Versioning;

namespace Presently.Agent.Interop.Windows;

/// <summary>Message queues and the message-only window used for session and power notifications.</summary>
[SupportedOSPlatform("windows")]
internal static unsafe partial class User32
{
    public const uint WM_NULL = 0x0000;
    public const uint WM_DESTROY = 0x0002;
    public const uint WM_CLOSE = 0x0010;
    public const uint WM_QUIT = 0x0012;
    public const uint WM_POWERBROADCAST = 0x0218;
    public const uint WM_WTSSESSION_CHANGE = 0x02B1;
    public const uint WM_APP = 0x8000;

    public const uint QS_ALLINPUT = 0x04FF;
    public const uint MWMO_INPUTAVAILABLE = 0x0004;
    public const uint WAIT_TIMEOUT = 0x00000102;
    public const uint WAIT_FAILED = 0xFFFFFFFF;
    public const uint PM_NOREMOVE = 0x0000;
    public const uint PM_REMOVE = 0x0001;

    public const uint DEVICE_NOTIFY_WINDOW_HANDLE = 0x00000000;

    /// <summary>The parent that makes a window message-only: never shown, never enumerated, no broadcasts.</summary>
    public static readonly IntPtr HWND_MESSAGE = new(-3);

    [StructLayout(LayoutKind.Sequential)]
    public struct MSG
    {
        public IntPtr hwnd;
        public uint message;
        public nuint wParam;
        public nint lParam;
        public uint time;
        public int ptX;
        public int ptY;
        public uint lPrivate;
    }

    [StructLayout(LayoutKind.Sequential)]
    public struct WNDCLASSEXW
    {
        public uint cbSize;
        public uint style;
        public delegate* unmanaged<IntPtr, uint, nuint, nint, nint> lpfnWndProc;
        public int cbClsExtra;
        public int cbWndExtra;
        public IntPtr hInstance;
        public IntPtr hIcon;
        public IntPtr hCursor;
        public IntPtr hbrBackground;
        public char* lpszMenuName;
        public char* lpszClassName;
        public IntPtr hIconSm;
    }

    [LibraryImport(Libraries.User32, SetLastError = true)]
    public static partial uint MsgWaitForMultipleObjectsEx(uint count, IntPtr* handles, uint milliseconds, uint wakeMask, uint flags);

    [LibraryImport(Libraries.User32)]
    [return: MarshalAs(UnmanagedType.Bool)]
    public static partial bool PeekMessageW(out MSG msg, IntPtr hwnd, uint filterMin, uint filterMax, uint remove);

    /// <summary>Returns 0 on WM_QUIT, -1 on error.</summary>
    [LibraryImport(Libraries.User32, SetLastError = true)]
    public static partial int GetMessageW(out MSG msg, IntPtr hwnd, uint filterMin, uint filterMax);

    [LibraryImport(Libraries.User32)]
    [return: MarshalAs(UnmanagedType.Bool)]
    public static partial bool TranslateMessage(in MSG msg);

    [LibraryImport(Libraries.User32)]
    public static partial nint DispatchMessageW(in MSG msg);

    [LibraryImport(Libraries.User32, SetLastError = true)]
    [return: MarshalAs(UnmanagedType.Bool)]
    public static partial bool PostThreadMessageW(uint threadId, uint msg, nuint wParam, nint lParam);

    [LibraryImport(Libraries.User32, SetLastError = true)]
    public static partial ushort RegisterClassExW(in WNDCLASSEXW wc);

    [LibraryImport(Libraries.User32, SetLastError = true, StringMarshalling = StringMarshalling.Utf16)]
    [return: MarshalAs(UnmanagedType.Bool)]
    public static partial bool UnregisterClassW(string className, IntPtr hInstance);

    [LibraryImport(Libraries.User32, SetLastError = true, StringMarshalling = StringMarshalling.Utf16)]
    public static partial IntPtr CreateWindowExW(uint exStyle, string className, string? windowName, uint style,
        int x, int y, int width, int height, IntPtr parent, IntPtr menu, IntPtr hInstance, IntPtr param);

    [LibraryImport(Libraries.User32, SetLastError = true)]
    [return: MarshalAs(UnmanagedType.Bool)]
    public static partial bool DestroyWindow(IntPtr hwnd);

    [LibraryImport(Libraries.User32)]
    public static partial nint DefWindowProcW(IntPtr hwnd, uint msg, nuint wParam, nint lParam);

    [LibraryImport(Libraries.User32)]
    public static partial void PostQuitMessage(int exitCode);

    /// <summary>
    /// Needed because message-only windows get no broadcasts, and WM_POWERBROADCAST is one:
    /// this asks for PBT_APMSUSPEND/PBT_APMRESUME* to be sent to the given window (Windows 8 and later).
    /// </summary>
    [LibraryImport(Libraries.User32, SetLastError = true)]
    public static partial IntPtr RegisterSuspendResumeNotification(IntPtr recipient, uint flags);

    [LibraryImport(Libraries.User32)]
    [return: MarshalAs(UnmanagedType.Bool)]
    public static partial bool UnregisterSuspendResumeNotification(IntPtr handle);
}
