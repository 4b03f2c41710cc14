using System.Runtime.InteropServices;
using System.Runtime.Versioning;

namespace Presently.Agent.Interop.Windows;

/// <summary>Reading the foreground window: which one, its title, its process, its children.</summary>
[SupportedOSPlatform("windows")]
internal static unsafe partial class User32
{
    [LibraryImport(Libraries.User32)]
    public static partial IntPtr GetForegroundWindow();

    [LibraryImport(Libraries.User32, SetLastError = true)]
    public static partial int GetWindowTextLengthW(IntPtr hwnd);

    [LibraryImport(Libraries.User32, SetLastError = true)]
    public static partial int GetWindowTextW(IntPtr hwnd, char* text, int maxCount);

    /// <summary>Returns the creating thread's id (0 for a window that is gone) and the process id.</summary>
    [LibraryImport(Libraries.User32, SetLastError = true)]
    public static partial uint GetWindowThreadProcessId(IntPtr hwnd, out uint processId);

    [LibraryImport(Libraries.User32)]
    [return: MarshalAs(UnmanagedType.Bool)]
    public static partial bool EnumChildWindows(IntPtr parent, delegate* unmanaged<IntPtr, IntPtr, int> callback, IntPtr lParam);

    [LibraryImport(Libraries.User32, SetLastError = true)]
    [return: MarshalAs(UnmanagedType.Bool)]
    public static partial bool GetLastInputInfo(ref LASTINPUTINFO info);

    /// <summary><c>dwTime</c> is a GetTickCount value: milliseconds since boot, wrapping every 49.7 days.</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct LASTINPUTINFO
    {
        public uint cbSize;
        public uint dwTime;
    }
}
