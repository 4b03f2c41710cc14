using System.Runtime.InteropServices;

namespace Presently.Agent.Interop.Linux;

internal static unsafe partial class LibC
{
    public const short POLLIN = 0x001;

    [StructLayout(LayoutKind.Sequential)]
    public struct PollFd
    {
        public int Fd;
        public short Events;
        public short REvents;
    }

    [LibraryImport("libc", SetLastError = true)]
    public static partial int poll(PollFd* fds, nuint count, int timeoutMs);
}
