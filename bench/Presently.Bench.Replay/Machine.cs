using System.Runtime.InteropServices;

namespace Presently.Bench.Replay;

/// <summary>What a figure was measured on; a throughput number without its machine means little.</summary>
public static class Machine
{
    public static IEnumerable<string> Describe()
    {
        yield return $"cpu:      {Environment.ProcessorCount} logical cores, {CpuModel() ?? "model unknown"}";
        yield return $"memory:   {MemTotal() ?? "unknown"}";
        yield return $"os:       {RuntimeInformation.OSDescription} ({RuntimeInformation.ProcessArchitecture})";
        yield return $"runtime:  {RuntimeInformation.FrameworkDescription}, server GC {System.Runtime.GCSettings.IsServerGC}";
#if DEBUG
        yield return "build:    Debug (figures are not representative; use -c Release)";
#else
        yield return "build:    Release";
#endif
    }

    private static string? CpuModel() => FirstLine("/proc/cpuinfo", "model name")?.Split(':', 2)[1].Trim();

    private static string? MemTotal() => FirstLine("/proc/meminfo", "MemTotal:") is { } line
        && long.TryParse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], out var kb)
            ? $"{kb / 1024.0 / 1024.0:0.0} GiB ({kb} kB, /proc/meminfo)"
            : null;

    private static string? FirstLine(string path, string prefix)
    {
        try
        {
            return File.Exists(path) ? File.ReadLines(path).FirstOrDefault(l => l.StartsWith(prefix, StringComparison.Ordinal)) : null;
        }
        catch (IOException)
        {
            return null;
        }
    }
}
