using System.Runtime.InteropServices;
using System.Runtime.Versioning;

namespace Presently.Agent.Interop.MacOS;

/// <summary>
/// The Objective-C runtime, just enough to send argument-less messages. <c>objc_msgSend</c> is
/// bound once per return type: on arm64 it must be called with the exact signature of the method.
/// </summary>
[SupportedOSPlatform("macos")]
internal static partial class ObjC
{
    private const string Lib = "/usr/lib/libobjc.A.dylib";

    [LibraryImport(Lib, StringMarshalling = StringMarshalling.Utf8)]
    public static partial nint objc_getClass(string name);

    [LibraryImport(Lib, StringMarshalling = StringMarshalling.Utf8)]
    public static partial nint sel_registerName(string name);

    /// <summary>A message returning an object (or a C pointer such as <c>UTF8String</c>).</summary>
    [LibraryImport(Lib, EntryPoint = "objc_msgSend")]
    public static partial nint SendPointer(nint receiver, nint selector);

    /// <summary>A message returning <c>int</c> (<c>pid_t processIdentifier</c>).</summary>
    [LibraryImport(Lib, EntryPoint = "objc_msgSend")]
    public static partial int SendInt32(nint receiver, nint selector);

    [LibraryImport(Lib)]
    public static partial nint objc_autoreleasePoolPush();

    [LibraryImport(Lib)]
    public static partial void objc_autoreleasePoolPop(nint pool);

    /// <summary>An NSString's text; null for nil.</summary>
    public static string? String(nint nsString) =>
        nsString == 0 ? null : Marshal.PtrToStringUTF8(SendPointer(nsString, Selectors.Utf8String));

    /// <summary>Selectors used by the sensor, registered once.</summary>
    public static class Selectors
    {
        public static readonly nint SharedWorkspace = sel_registerName("sharedWorkspace");
        public static readonly nint FrontmostApplication = sel_registerName("frontmostApplication");
        public static readonly nint LocalizedName = sel_registerName("localizedName");
        public static readonly nint BundleIdentifier = sel_registerName("bundleIdentifier");
        public static readonly nint ProcessIdentifier = sel_registerName("processIdentifier");
        public static readonly nint ExecutableUrl = sel_registerName("executableURL");
        public static readonly nint Path = sel_registerName("path");
        public static readonly nint Utf8String = sel_registerName("UTF8String");
    }
}
