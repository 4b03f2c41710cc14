using System.Runtime.InteropServices;
using System.Runtime.Versioning;
using Microsoft.Win32.SafeHandles;

namespace Presently.Agent.Interop.MacOS;

/// <summary>CoreFoundation: strings, booleans and dictionaries as the Accessibility and Quartz APIs return them.</summary>
[SupportedOSPlatform("macos")]
internal static unsafe partial class CoreFoundation
{
    private const string Lib = "/System/Library/Frameworks/CoreFoundation.framework/CoreFoundation";

    [LibraryImport(Lib)]
    public static partial void CFRelease(nint cf);

    [LibraryImport(Lib)]
    public static partial nint CFStringCreateWithCharacters(nint allocator, char* chars, nint length);

    [LibraryImport(Lib)]
    public static partial nint CFStringGetLength(nint str);

    [LibraryImport(Lib)]
    public static partial void CFStringGetCharacters(nint str, CFRange range, char* buffer);

    [LibraryImport(Lib)]
    public static partial nuint CFGetTypeID(nint cf);

    [LibraryImport(Lib)]
    public static partial nuint CFStringGetTypeID();

    [LibraryImport(Lib)]
    public static partial nuint CFBooleanGetTypeID();

    [LibraryImport(Lib)]
    [return: MarshalAs(UnmanagedType.U1)]
    public static partial bool CFBooleanGetValue(nint boolean);

    [LibraryImport(Lib)]
    public static partial nint CFDictionaryGetValue(SafeCFHandle dictionary, nint key);

    [StructLayout(LayoutKind.Sequential)]
    public struct CFRange(nint location, nint length)
    {
        public nint Location = location;
        public nint Length = length;
    }

    /// <summary>A CFString made from .NET text; the caller owns it.</summary>
    public static SafeCFHandle CreateString(string text)
    {
        fixed (char* chars = text) return new SafeCFHandle(CFStringCreateWithCharacters(0, chars, text.Length));
    }

    /// <summary>The text of a CFString, at most <paramref name="maxChars"/> long; null when it is not a string.</summary>
    public static string? ReadString(nint cf, int maxChars)
    {
        if (cf == 0 || CFGetTypeID(cf) != CFStringGetTypeID()) return null;
        var length = (int)Math.Min(CFStringGetLength(cf), maxChars);
        if (length <= 0) return "";
        var buffer = new char[length];
        fixed (char* b = buffer) CFStringGetCharacters(cf, new CFRange(0, length), b);
        return new string(buffer);
    }
}

/// <summary>An owned CoreFoundation object, released exactly once.</summary>
[SupportedOSPlatform("macos")]
internal sealed class SafeCFHandle : SafeHandleZeroOrMinusOneIsInvalid
{
    public SafeCFHandle() : base(ownsHandle: true)
    {
    }

    public SafeCFHandle(nint handle) : base(ownsHandle: true) => SetHandle(handle);

    protected override bool ReleaseHandle()
    {
        CoreFoundation.CFRelease(handle);
        return true;
    }
}
