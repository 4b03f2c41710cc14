using System.Runtime.InteropServices;

namespace Presently.Agent.Interop.Linux;

internal static partial class LibC
{
    private const int O_RDONLY = 0;
    private const int O_DIRECTORY = 0x10000; // 0200000: the value on x86-64 and arm64 Linux
    private const int O_CLOEXEC = 0x80000;

    [LibraryImport("libc", EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Open(string path, int flags);

    [LibraryImport("libc", EntryPoint = "fsync", SetLastError = true)]
    private static partial int Fsync(int fd);

    [LibraryImport("libc", EntryPoint = "close")]
    private static partial int Close(int fd);

    /// <summary>
    /// Makes a directory's entries durable: a new file survives a power cut only once the
    /// directory that names it has been fsynced. Returns false where that is not possible.
    /// </summary>
    public static bool FsyncDirectory(string path)
    {
        if (!OperatingSystem.IsLinux()) return false;
        var fd = Open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0) return false;
        try
        {
            return Fsync(fd) == 0;
        }
        finally
        {
            Close(fd);
        }
    }
}
