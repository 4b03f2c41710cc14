using System.Runtime.InteropServices;
using System.Runtime.Versioning;

namespace Presently.Agent.Interop.MacOS;

/// <summary>
/// The Accessibility API (window titles of other apps, once the user trusts this program) and
/// Quartz event sources and sessions (idle time, screen lock).
/// </summary>
[SupportedOSPlatform("macos")]
internal static partial class ApplicationServices
{
    private const string Lib = "/System/Library/Frameworks/ApplicationServices.framework/ApplicationServices";

    public const int AXErrorSuccess = 0;
    /// <summary>kCGEventSourceStateCombinedSessionState.</summary>
    public const int CombinedSessionState = 0;
    /// <summary>kCGAnyInputEventType.</summary>
    public const uint AnyInputEventType = uint.MaxValue;

    /// <summary>With no options (0) it asks nothing of the user: it only says whether this process is trusted.</summary>
    [LibraryImport(Lib)]
    [return: MarshalAs(UnmanagedType.U1)]
    public static partial bool AXIsProcessTrustedWithOptions(nint options);

    [LibraryImport(Lib)]
    public static partial SafeCFHandle AXUIElementCreateApplication(int pid);

    [LibraryImport(Lib)]
    public static partial int AXUIElementCopyAttributeValue(SafeCFHandle element, SafeCFHandle attribute, out nint value);

    [LibraryImport(Lib)]
    public static partial int AXUIElementCopyAttributeValue(nint element, SafeCFHandle attribute, out nint value);

    [LibraryImport(Lib)]
    public static partial double CGEventSourceSecondsSinceLastEventType(int stateId, uint eventType);

    /// <summary>The login session's properties; <c>CGSSessionScreenIsLocked</c> is set while the screen is locked.</summary>
    [LibraryImport(Lib)]
    public static partial SafeCFHandle CGSessionCopyCurrentDictionary();
}
