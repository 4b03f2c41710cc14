using System.Runtime.InteropServices;

namespace Presently.Agent.Interop.Linux;

internal static unsafe partial class LibC
{
    private const int EFD_CLOEXEC = 0x80000;
    private const int EFD_NONBLOCK = 0x800;

    [LibraryImport("libc", EntryPoint = "eventfd", SetLastError = true)]
    private static partial SafeEventFdHandle EventFd(uint initialValue, int flags);

    [LibraryImport("libc", EntryPoint = "write", SetLastError = true)]
    private static partial nint Write(SafeEventFdHandle fd, void* buffer, nuint count);

    [LibraryImport("libc", EntryPoint = "read", SetLastError = true)]
    private static partial nint Read(SafeEventFdHandle fd, void* buffer, nuint count);

    [LibraryImport("libc", EntryPoint = "close")]
    internal static partial int CloseFd(IntPtr fd);

    /// <summary>An eventfd to wake a thread blocked in poll(2); throws when the kernel refuses one.</summary>
    public static SafeEventFdHandle CreateEventFd()
    {
        var fd = EventFd(0, EFD_CLOEXEC | EFD_NONBLOCK);
        if (fd.IsInvalid) throw new IOException($"eventfd failed (errno {Marshal.GetLastPInvokeError()})");
        return fd;
    }

    /// <summary>Makes the eventfd readable: whoever polls it wakes.</summary>
    public static void Signal(SafeEventFdHandle fd)
    {
        ulong one = 1;
        Write(fd, &one, sizeof(ulong));
    }

    /// <summary>Resets the eventfd to not readable (it is non-blocking: nothing to read returns at once).</summary>
    public static void Drain(SafeEventFdHandle fd)
    {
        ulong count;
        Read(fd, &count, sizeof(ulong));
    }
}

/// <summary>An eventfd; closed when released.</summary>
internal sealed class SafeEventFdHandle : SafeHandle
{
    public SafeEventFdHandle() : base(-1, ownsHandle: true)
    {
    }

    public override bool IsInvalid => handle == -1;

    public int Fd => (int)handle;

    protected override bool ReleaseHandle() => LibC.CloseFd(handle) == 0;
}
