using System.Runtime.InteropServices;

namespace Presently.Agent.Interop.Linux;

/// <summary>
/// The X SYNC extension (libXext): alarms on the server's IDLETIME counter, so the X server tells
/// the agent when input stops for the threshold and when it starts again, instead of the agent
/// asking every second. Layouts are those of X11/extensions/sync.h on LP64.
/// </summary>
internal static unsafe partial class XSync
{
    private const string Lib = "libXext.so.6";

    /// <summary>Event code of XSyncAlarmNotify, added to the extension's event base.</summary>
    public const int AlarmNotify = 1;

    public const int Absolute = 0;
    public const int PositiveTransition = 0;
    public const int NegativeTransition = 1;

    public const nuint CACounter = 1 << 0;
    public const nuint CAValueType = 1 << 1;
    public const nuint CAValue = 1 << 2;
    public const nuint CATestType = 1 << 3;
    public const nuint CADelta = 1 << 4;
    public const nuint CAEvents = 1 << 5;

    [LibraryImport(Lib)]
    [return: MarshalAs(UnmanagedType.Bool)]
    public static partial bool XSyncQueryExtension(SafeDisplayHandle display, out int eventBase, out int errorBase);

    [LibraryImport(Lib)]
    public static partial int XSyncInitialize(SafeDisplayHandle display, out int major, out int minor);

    [LibraryImport(Lib)]
    public static partial SystemCounter* XSyncListSystemCounters(SafeDisplayHandle display, out int count);

    [LibraryImport(Lib)]
    public static partial void XSyncFreeSystemCounterList(SystemCounter* list);

    [LibraryImport(Lib)]
    public static partial nuint XSyncCreateAlarm(SafeDisplayHandle display, nuint valuesMask, ref AlarmAttributes attributes);

    [LibraryImport(Lib)]
    public static partial int XSyncDestroyAlarm(SafeDisplayHandle display, nuint alarm);

    /// <summary>XSyncValue: a 64-bit number as two 32-bit halves.</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct Value
    {
        public int Hi;
        public uint Lo;

        public static Value From(long v) => new() { Hi = (int)(v >> 32), Lo = (uint)v };
    }

    [StructLayout(LayoutKind.Sequential)]
    public struct SystemCounter
    {
        public byte* Name;
        public nuint Counter;
        public Value Resolution;
    }

    [StructLayout(LayoutKind.Sequential)]
    public struct Trigger
    {
        public nuint Counter;
        public int ValueType;
        public Value WaitValue;
        public int TestType;
    }

    [StructLayout(LayoutKind.Sequential)]
    public struct AlarmAttributes
    {
        public Trigger Trigger;
        public Value Delta;
        public int Events;
        public int State;
    }
}
