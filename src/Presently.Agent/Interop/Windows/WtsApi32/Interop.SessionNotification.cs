using System.Runtime.InteropServices;
using System.Runtime.Versioning;

namespace Presently.Agent.Interop.Windows;

[SupportedOSPlatform("windows")]
internal static partial class WtsApi32
{
    public const uint NOTIFY_FOR_THIS_SESSION = 0;
    public const uint WTS_SESSION_LOCK = 0x7;
    public const uint WTS_SESSION_UNLOCK = 0x8;

    [LibraryImport(Libraries.WtsApi32, SetLastError = true)]
    [return: MarshalAs(UnmanagedType.Bool)]
    public static partial bool WTSRegisterSessionNotification(IntPtr hwnd, uint flags);

    [LibraryImport(Libraries.WtsApi32)]
    [return: MarshalAs(UnmanagedType.Bool)]
    public static partial bool WTSUnRegisterSessionNotification(IntPtr hwnd);
}
