using System.Globalization;

namespace Presently.Bench.Footprint;

/// <summary>
/// Where a process's resident memory is, from /proc/PID/smaps: resident KiB per mapped file (the
/// binary, each shared library) and for anonymous memory (the GC heap, native heaps, thread stacks).
/// </summary>
public static class ResidentMap
{
    public static IReadOnlyList<(string Name, long RssKiB)> Read(int pid)
    {
        var totals = new Dictionary<string, long>(StringComparer.Ordinal);
        string current = "[anonymous]";
        foreach (var line in File.ReadLines($"/proc/{pid}/smaps"))
        {
            var first = line.IndexOf(' ');
            if (first > 0 && line[..first].Contains('-') && !line.EndsWith(" kB", StringComparison.Ordinal))
            {
                // A mapping header: "start-end perms offset dev inode [path]".
                var parts = line.Split(' ', 6, StringSplitOptions.RemoveEmptyEntries);
                current = parts.Length == 6 ? Path.GetFileName(parts[5].Trim()) is { Length: > 0 } f && !parts[5].StartsWith('[') ? f : parts[5].Trim() : "[anonymous]";
            }
            else if (line.StartsWith("Rss:", StringComparison.Ordinal))
            {
                var kib = long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture);
                totals[current] = totals.GetValueOrDefault(current) + kib;
            }
        }
        return [.. totals.Where(t => t.Value > 0).Select(t => (t.Key, t.Value)).OrderByDescending(t => t.Value)];
    }
}
