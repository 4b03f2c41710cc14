using System.Runtime.InteropServices;
using System.Runtime.Versioning;

namespace Presently.Agent.Interop.Windows;

/// <summary>An executable's version resource: FileDescription, ProductName and the languages they come in.</summary>
[SupportedOSPlatform("windows")]
internal static unsafe partial class Version
{
    [LibraryImport(Libraries.Version, SetLastError = true, StringMarshalling = StringMarshalling.Utf16)]
    public static partial uint GetFileVersionInfoSizeW(string fileName, out uint handle);

    [LibraryImport(Libraries.Version, SetLastError = true, StringMarshalling = StringMarshalling.Utf16)]
    [return: MarshalAs(UnmanagedType.Bool)]
    public static partial bool GetFileVersionInfoW(string fileName, uint handle, uint length, void* data);

    /// <summary><paramref name="buffer"/> points into <paramref name="block"/>; for strings <paramref name="length"/> is in chars, including the terminator.</summary>
    [LibraryImport(Libraries.Version, StringMarshalling = StringMarshalling.Utf16)]
    [return: MarshalAs(UnmanagedType.Bool)]
    public static partial bool VerQueryValueW(void* block, string subBlock, out void* buffer, out uint length);
}
