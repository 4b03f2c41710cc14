using System.Runtime.InteropServices;
using System.Runtime.Versioning;
using Presently.Agent.Interop.Windows;

namespace Presently.Agent.Platforms.Windows;

/// <summary>A process's executable path, or null when it exited or access is denied.</summary>
[SupportedOSPlatform("windows")]
internal static unsafe class ProcessImage
{
    /// <summary>Paths longer than MAX_PATH exist; the long-path limit is 32767 chars.</summary>
    private static readonly uint[] BufferSizes = [512, 32_768];

    public static string? PathOf(uint pid)
    {
        if (pid == 0) return null;
        using var process = Kernel32.OpenProcess(Kernel32.PROCESS_QUERY_LIMITED_INFORMATION, false, pid);
        if (process.IsInvalid) return null;
        foreach (var capacity in BufferSizes)
        {
            var buffer = new char[capacity];
            var size = capacity;
            fixed (char* p = buffer)
            {
                if (Kernel32.QueryFullProcessImageNameW(process, 0, p, ref size))
                    return size == 0 ? null : new string(p, 0, (int)Math.Min(size, capacity));
            }
            if (Marshal.GetLastPInvokeError() != Kernel32.ERROR_INSUFFICIENT_BUFFER) return null;
        }
        return null;
    }
}
