using System.Runtime.InteropServices;

namespace Presently.Agent.Interop.Linux;

/// <summary>The MIT-SCREEN-SAVER extension: how long since the last keyboard or pointer input.</summary>
internal static partial class XScreenSaver
{
    private const string Lib = "libXss.so.1";

    [LibraryImport(Lib)]
    [return: MarshalAs(UnmanagedType.Bool)]
    public static partial bool XScreenSaverQueryExtension(SafeDisplayHandle display, out int eventBase, out int errorBase);

    [LibraryImport(Lib)]
    public static partial int XScreenSaverQueryInfo(SafeDisplayHandle display, nuint drawable, ref XScreenSaverInfo info);

    [StructLayout(LayoutKind.Sequential)]
    public struct XScreenSaverInfo
    {
        public nuint Window;
        public int State;
        public int Kind;
        public nuint TilOrSince;
        /// <summary>Milliseconds since the last input.</summary>
        public nuint Idle;
        public nuint EventMask;
    }
}
