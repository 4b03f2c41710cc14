using System.Runtime.InteropServices;
using System.Runtime.Versioning;
using Microsoft.Win32.SafeHandles;

namespace Presently.Agent.Interop.Windows;

[SupportedOSPlatform("windows")]
internal static unsafe partial class Kernel32
{
    /// <summary>The least access that still reads the image name; granted for most processes, elevated ones included.</summary>
    public const uint PROCESS_QUERY_LIMITED_INFORMATION = 0x1000;
    public const int ERROR_INSUFFICIENT_BUFFER = 122;

    [LibraryImport(Libraries.Kernel32, SetLastError = true)]
    public static partial SafeProcessHandle OpenProcess(uint desiredAccess, [MarshalAs(UnmanagedType.Bool)] bool inheritHandle, uint processId);

    /// <summary><paramref name="size"/> is the buffer's length in chars on entry and the path's length on return.</summary>
    [LibraryImport(Libraries.Kernel32, SetLastError = true)]
    [return: MarshalAs(UnmanagedType.Bool)]
    public static partial bool QueryFullProcessImageNameW(SafeProcessHandle process, uint flags, char* exeName, ref uint size);

    [LibraryImport(Libraries.Kernel32)]
    public static partial ulong GetTickCount64();

    [LibraryImport(Libraries.Kernel32)]
    public static partial uint GetCurrentThreadId();

    [LibraryImport(Libraries.Kernel32, SetLastError = true, StringMarshalling = StringMarshalling.Utf16)]
    public static partial IntPtr GetModuleHandleW(string? moduleName);
}
