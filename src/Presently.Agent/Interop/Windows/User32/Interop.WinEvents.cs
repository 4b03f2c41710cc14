using System.Runtime.InteropServices;
using System.Runtime.Versioning;

namespace Presently.Agent.Interop.Windows;

internal static unsafe partial class User32
{
    public const uint EVENT_SYSTEM_FOREGROUND = 0x0003;
    public const uint EVENT_OBJECT_NAMECHANGE = 0x800C;
    public const uint WINEVENT_OUTOFCONTEXT = 0x0000;
    public const uint WINEVENT_SKIPOWNPROCESS = 0x0002;
    public const int OBJID_WINDOW = 0;
    public const int CHILDID_SELF = 0;

    /// <summary>
    /// With WINEVENT_OUTOFCONTEXT the callback runs on the thread that set the hook, while that
    /// thread pumps messages; the hook must be removed on that thread too.
    /// </summary>
    [LibraryImport(Libraries.User32, SetLastError = true)]
    [SupportedOSPlatform("windows")]
    public static partial SafeWinEventHookHandle SetWinEventHook(
        uint eventMin, uint eventMax, IntPtr hmodWinEventProc,
        delegate* unmanaged<IntPtr, uint, IntPtr, int, int, uint, uint, void> callback,
        uint idProcess, uint idThread, uint flags);

    [LibraryImport(Libraries.User32)]
    [return: MarshalAs(UnmanagedType.Bool)]
    [SupportedOSPlatform("windows")]
    public static partial bool UnhookWinEvent(IntPtr hook);
}

/// <summary>A WinEvent hook; released (unhooked) on the thread that disposes it, which must be the one that set it.</summary>
[SupportedOSPlatform("windows")]
internal sealed class SafeWinEventHookHandle : SafeHandle
{
    public SafeWinEventHookHandle() : base(IntPtr.Zero, ownsHandle: true)
    {
    }

    public override bool IsInvalid => handle == IntPtr.Zero;

    protected override bool ReleaseHandle() => User32.UnhookWinEvent(handle);
}
