using System.Runtime.InteropServices;

namespace Presently.Agent.Interop.Linux;

/// <summary>The parts of Xlib the X11 sensor needs. XIDs (Window, Atom) are C <c>unsigned long</c>.</summary>
internal static unsafe partial class Xlib
{
    private const string Lib = "libX11.so.6";

    public const int Success = 0;
    public const int PropertyNotify = 28;
    public const long PropertyChangeMask = 1L << 22;
    public const long NoEventMask = 0;
    public const nuint AnyPropertyType = 0;

    [LibraryImport(Lib, StringMarshalling = StringMarshalling.Utf8)]
    public static partial SafeDisplayHandle XOpenDisplay(string? name);

    [LibraryImport(Lib)]
    public static partial int XCloseDisplay(IntPtr display);

    [LibraryImport(Lib)]
    public static partial nuint XDefaultRootWindow(SafeDisplayHandle display);

    [LibraryImport(Lib)]
    public static partial int XConnectionNumber(SafeDisplayHandle display);

    [LibraryImport(Lib, StringMarshalling = StringMarshalling.Utf8)]
    public static partial nuint XInternAtom(SafeDisplayHandle display, string name, [MarshalAs(UnmanagedType.Bool)] bool onlyIfExists);

    [LibraryImport(Lib)]
    public static partial int XGetWindowProperty(
        SafeDisplayHandle display, nuint window, nuint property, nint offset, nint length,
        [MarshalAs(UnmanagedType.Bool)] bool delete, nuint requestedType,
        out nuint actualType, out int actualFormat, out nuint itemCount, out nuint bytesAfter, out IntPtr data);

    [LibraryImport(Lib)]
    public static partial int XFree(IntPtr data);

    [LibraryImport(Lib)]
    public static partial int XSelectInput(SafeDisplayHandle display, nuint window, nint mask);

    [LibraryImport(Lib)]
    public static partial int XPending(SafeDisplayHandle display);

    [LibraryImport(Lib)]
    public static partial int XNextEvent(SafeDisplayHandle display, XEvent* ev);

    [LibraryImport(Lib)]
    public static partial int XFlush(SafeDisplayHandle display);

    [LibraryImport(Lib)]
    public static partial IntPtr XSetErrorHandler(delegate* unmanaged<IntPtr, IntPtr, int> handler);

    /// <summary>XEvent is a union padded to 24 longs; only the PropertyNotify layout is read.</summary>
    [StructLayout(LayoutKind.Explicit, Size = 24 * 8)]
    public struct XEvent
    {
        [FieldOffset(0)] public int Type;
        [FieldOffset(0)] public XPropertyEvent Property;
    }

    [StructLayout(LayoutKind.Sequential)]
    public struct XPropertyEvent
    {
        public int Type;
        public nuint Serial;
        public int SendEvent;
        public IntPtr Display;
        public nuint Window;
        public nuint Atom;
        public nint Time;
        public int State;
    }
}

/// <summary>An open X display; closing it releases every resource the client held.</summary>
internal sealed class SafeDisplayHandle : SafeHandle
{
    public SafeDisplayHandle() : base(IntPtr.Zero, ownsHandle: true)
    {
    }

    public override bool IsInvalid => handle == IntPtr.Zero;

    protected override bool ReleaseHandle()
    {
        Xlib.XCloseDisplay(handle);
        return true;
    }
}
