using System.Diagnostics;

namespace Presently.Bench.Replay;

/// <summary>
/// CPU and GC of the whole process (agent and server share it) over the timed interval: CPU time
/// near cores x wall time means the run is CPU-bound; far below it, it waits on the disk or on itself.
/// </summary>
public readonly record struct ResourceUsage(TimeSpan Cpu, long AllocatedBytes, TimeSpan GcPause, int Gen0, int Gen1, int Gen2)
{
    public static ResourceUsage Start() => Now();

    public ResourceUsage Stop()
    {
        var now = Now();
        return new(now.Cpu - Cpu, now.AllocatedBytes - AllocatedBytes, now.GcPause - GcPause, now.Gen0 - Gen0, now.Gen1 - Gen1, now.Gen2 - Gen2);
    }

    public string Describe(TimeSpan wall) =>
        $"CPU {Cpu.TotalSeconds:0.00} s = {Cpu / wall:0.00} of {Environment.ProcessorCount} cores; " +
        $"allocated {AllocatedBytes / 1e9:0.00} GB; GC pauses {GcPause.TotalSeconds:0.00} s; collections gen0 {Gen0}, gen1 {Gen1}, gen2 {Gen2}";

    private static ResourceUsage Now()
    {
        using var process = Process.GetCurrentProcess();
        return new(process.TotalProcessorTime, GC.GetTotalAllocatedBytes(), GC.GetTotalPauseDuration(),
            GC.CollectionCount(0), GC.CollectionCount(1), GC.CollectionCount(2));
    }
}
