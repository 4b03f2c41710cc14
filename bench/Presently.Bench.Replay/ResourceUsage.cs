using System.Diagnostics;

namespace Presently.Bench.Replay;

/// <summary>
/// CPU and GC of this process (agent and server share it) over the timed interval, and the CPU the
/// rest of the machine used meanwhile. Process CPU near cores x wall time means the run is
/// CPU-bound; far below, it waits on the disk or on itself. Other processes' CPU means the figure
/// was disturbed (a build or test run next to the benchmark) and should be taken again.
/// </summary>
public readonly record struct ResourceUsage(TimeSpan Cpu, TimeSpan MachineCpu, long AllocatedBytes, TimeSpan GcPause, int Gen0, int Gen1, int Gen2)
{
    public static ResourceUsage Start() => Now();

    public ResourceUsage Stop()
    {
        var now = Now();
        return new(now.Cpu - Cpu, now.MachineCpu - MachineCpu, now.AllocatedBytes - AllocatedBytes, now.GcPause - GcPause,
            now.Gen0 - Gen0, now.Gen1 - Gen1, now.Gen2 - Gen2);
    }

    public string Describe(TimeSpan wall) =>
        $"CPU {Cpu.TotalSeconds:0.00} s = {Cpu / wall:0.00} of {Environment.ProcessorCount} cores; " +
        $"allocated {AllocatedBytes / 1e9:0.00} GB; GC pauses {GcPause.TotalSeconds:0.00} s; collections gen0 {Gen0}, gen1 {Gen1}, gen2 {Gen2}";

    public string DescribeOthers(TimeSpan wall) => MachineCpu == TimeSpan.Zero
        ? "unknown (no /proc/stat)"
        : $"{Math.Max(0, (MachineCpu - Cpu) / wall):0.00} cores busy with other processes during the replay (/proc/stat)";

    private static ResourceUsage Now()
    {
        using var process = Process.GetCurrentProcess();
        return new(process.TotalProcessorTime, MachineBusy(), GC.GetTotalAllocatedBytes(), GC.GetTotalPauseDuration(),
            GC.CollectionCount(0), GC.CollectionCount(1), GC.CollectionCount(2));
    }

    /// <summary>CPU time all processes spent busy since boot: the "cpu" line of /proc/stat without idle and iowait.</summary>
    private static TimeSpan MachineBusy()
    {
        try
        {
            var fields = File.ReadLines("/proc/stat").First().Split(' ', StringSplitOptions.RemoveEmptyEntries);
            // user nice system idle iowait irq softirq steal (guest time is already counted in user).
            long[] ticks = [.. fields.Skip(1).Take(8).Select(long.Parse)];
            var busy = ticks[0] + ticks[1] + ticks[2] + ticks[5] + ticks[6] + ticks[7];
            return TimeSpan.FromSeconds(busy / 100.0); // USER_HZ is 100 on Linux.
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or FormatException or IndexOutOfRangeException)
        {
            return TimeSpan.Zero;
        }
    }
}
