using System.Runtime.InteropServices;

namespace Presently.Agent.Interop.Linux;

internal static partial class LibC
{
    /// <summary>Read pages of the range one at a time as they are touched, without the neighbours around them.</summary>
    internal const int MADV_RANDOM = 1;

    /// <summary>Reclaim the range's pages now (Linux 5.4+); a page used again is read back in.</summary>
    internal const int MADV_PAGEOUT = 21;

    [LibraryImport("libc", EntryPoint = "madvise", SetLastError = true)]
    internal static partial int Madvise(nint address, nuint length, int advice);
}
