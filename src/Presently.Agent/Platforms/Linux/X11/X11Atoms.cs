using Presently.Agent.Interop.Linux;

namespace Presently.Agent.Platforms.Linux.X11;

internal sealed record X11Atoms(nuint NetActiveWindow, nuint NetWmName, nuint WmName, nuint WmClass, nuint NetWmPid)
{
    public static X11Atoms Intern(SafeDisplayHandle d) => new(
        Xlib.XInternAtom(d, "_NET_ACTIVE_WINDOW", false),
        Xlib.XInternAtom(d, "_NET_WM_NAME", false),
        Xlib.XInternAtom(d, "WM_NAME", false),
        Xlib.XInternAtom(d, "WM_CLASS", false),
        Xlib.XInternAtom(d, "_NET_WM_PID", false));
}
