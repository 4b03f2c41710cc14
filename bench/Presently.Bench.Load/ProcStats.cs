using System.Globalization;

namespace Presently.Bench.Load;

/// <summary>One reading of a process from /proc: CPU time so far, resident set now and its peak, threads.</summary>
public readonly record struct ProcSample(long CpuTicks, long RssKb, long HwmKb, int Threads, DateTime At)
{
    /// <summary>USER_HZ, the unit of utime and stime in /proc/PID/stat (100 on Linux).</summary>
    public const double TicksPerSecond = 100;

    public static ProcSample? Read(int pid)
    {
        try
        {
            // Fields after the command name (which may hold spaces and parentheses): state is field 3, utime 14, stime 15.
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            var rest = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            var ticks = long.Parse(rest[11], CultureInfo.InvariantCulture) + long.Parse(rest[12], CultureInfo.InvariantCulture);
            long rss = 0, hwm = 0;
            var threads = 0;
            foreach (var line in File.ReadLines($"/proc/{pid}/status"))
            {
                if (line.StartsWith("VmRSS:", StringComparison.Ordinal)) rss = Kb(line);
                else if (line.StartsWith("VmHWM:", StringComparison.Ordinal)) hwm = Kb(line);
                else if (line.StartsWith("Threads:", StringComparison.Ordinal)) threads = (int)Kb(line);
            }
            return new ProcSample(ticks, rss, hwm, threads, DateTime.UtcNow);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or FormatException or IndexOutOfRangeException)
        {
            return null;
        }
    }

    /// <summary>Share of one core used between two readings, in percent.</summary>
    public static double CpuPercent(ProcSample from, ProcSample to) =>
        (to.At - from.At).TotalSeconds <= 0 ? 0 : (to.CpuTicks - from.CpuTicks) / TicksPerSecond / (to.At - from.At).TotalSeconds * 100;

    private static long Kb(string line) =>
        long.Parse(line.Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture);
}

/// <summary>CPU time the whole machine spent busy since boot, in USER_HZ ticks: the "cpu" line of /proc/stat without idle and iowait.</summary>
public static class MachineBusy
{
    public static long? Ticks()
    {
        try
        {
            var fields = File.ReadLines("/proc/stat").First().Split(' ', StringSplitOptions.RemoveEmptyEntries);
            long[] t = [.. fields.Skip(1).Take(8).Select(f => long.Parse(f, CultureInfo.InvariantCulture))];
            // user nice system idle iowait irq softirq steal (guest time is already in user).
            return t[0] + t[1] + t[2] + t[5] + t[6] + t[7];
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or FormatException or IndexOutOfRangeException)
        {
            return null;
        }
    }
}

/// <summary>What the figures were measured on.</summary>
public static class Machine
{
    public static string Cpu() =>
        $"{Environment.ProcessorCount} logical cores, {FirstValue("/proc/cpuinfo", "model name") ?? "model unknown"}";

    public static string Memory() =>
        FirstValue("/proc/meminfo", "MemTotal") is { } total ? $"{total} (/proc/meminfo)" : "unknown";

    public static string Os() =>
        $"{System.Runtime.InteropServices.RuntimeInformation.OSDescription}, {System.Runtime.InteropServices.RuntimeInformation.FrameworkDescription}";

    private static string? FirstValue(string path, string key)
    {
        try
        {
            return File.ReadLines(path).FirstOrDefault(l => l.StartsWith(key, StringComparison.Ordinal))?.Split(':', 2)[1].Trim();
        }
        catch (IOException)
        {
            return null;
        }
    }
}
