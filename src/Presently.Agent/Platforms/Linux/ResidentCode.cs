using System.Globalization;
using Presently.Agent.Interop.Linux;

namespace Presently.Agent.Platforms.Linux;

/// <summary>
/// Keeps the agent's own code and OpenSSL's from staying resident just because they were read once.
/// The kernel maps 64 KiB around every page of a file touched, and start-up touches much code (and
/// OpenSSL's initialisation, loaded for the WebSocket handshake, reads much of libcrypto) that the
/// agent never runs again. Once started, those mappings are read page by page only (MADV_RANDOM) and
/// their pages handed back (MADV_PAGEOUT): what the agent keeps running comes back in, one page at a
/// time, and nothing else does. Advice only: on a kernel without it nothing changes.
/// </summary>
internal static class ResidentCode
{
    private static readonly string[] Libraries = ["libcrypto.so", "libssl.so"];

    public static void Trim(string mapsPath = "/proc/self/maps")
    {
        if (!OperatingSystem.IsLinux()) return;
        var executable = Environment.ProcessPath;
        string[] lines;
        try
        {
            lines = File.ReadAllLines(mapsPath);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return;
        }
        foreach (var (start, end) in Mappings(lines, executable))
        {
            LibC.Madvise(start, (nuint)(end - start), LibC.MADV_RANDOM);
            LibC.Madvise(start, (nuint)(end - start), LibC.MADV_PAGEOUT);
        }
    }

    /// <summary>The file mappings of the executable and of OpenSSL, from /proc/self/maps lines ("start-end perms offset dev inode path").</summary>
    internal static IEnumerable<(nint Start, nint End)> Mappings(IEnumerable<string> lines, string? executable)
    {
        foreach (var line in lines)
        {
            var fields = line.Split(' ', 6, StringSplitOptions.RemoveEmptyEntries);
            if (fields.Length < 6) continue;
            var path = fields[5].Trim();
            var ours = (executable is not null && path == executable) || Libraries.Any(l => Path.GetFileName(path).StartsWith(l, StringComparison.Ordinal));
            // Writable mappings hold data (relocated pointers, statics), not code to read back from the file.
            if (!ours || fields[1].Contains('w', StringComparison.Ordinal)) continue;
            var range = fields[0].Split('-');
            if (range.Length == 2
                && long.TryParse(range[0], NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var start)
                && long.TryParse(range[1], NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var end) && end > start)
                yield return ((nint)start, (nint)end);
        }
    }
}
