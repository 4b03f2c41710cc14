using System.Diagnostics;
using System.Globalization;

namespace Presently.Bench.Load;

/// <summary>The figures of one run, and how they are printed.</summary>
public sealed class LoadResult
{
    public required LoadOptions Options { get; init; }

    public RunStats Stats { get; } = new();

    public ChangeLog Changes { get; set; } = null!;

    public EnrollStats Enroll { get; set; } = new();

    internal AgentFleet? Fleet { get; set; }

    public List<SimBrowser> Browsers { get; set; } = [];

    public TimeSpan ConnectTime { get; set; }

    public int ConnectedAfterConnect { get; set; }

    public int ConnectedAtMeasureEnd { get; set; }

    public long MeasureStarted { get; set; }

    public long MeasureEnded { get; set; }

    public TimeSpan Measured => Stopwatch.GetElapsedTime(MeasureStarted, MeasureEnded);

    public ProcSample? ServerAtStart { get; set; }
    public ProcSample? ServerBeforeAgents { get; set; }
    public ProcSample? ServerAfterAgents { get; set; }
    public ProcSample? ServerAtMeasureStart { get; set; }
    public ProcSample? ServerAtMeasureEnd { get; set; }
    public ProcSample? SelfAtMeasureStart { get; set; }
    public ProcSample? SelfAtMeasureEnd { get; set; }
    public long PeakServerRssKb { get; set; }
    public long? MachineBusyAtMeasureStart { get; set; }
    public long? MachineBusyAtMeasureEnd { get; set; }

    public long UnackedAtEnd { get; set; }

    // Judged after the run: every change made in the measured period, per browser.
    public long ChangesMeasured { get; private set; }
    public long ChangesNeverSent { get; private set; }
    public long Deliveries { get; private set; }
    public long Shown { get; private set; }
    public long Superseded { get; private set; }
    public long Missing { get; private set; }
    public long MissedByAnyBrowser { get; private set; }
    public List<double> Latencies { get; private set; } = [];

    public long Drops => Browsers.Sum(b => b.Drops);
    public long DropsMeasured => Browsers.Sum(b => b.DropsMeasured);
    public long ErrorCount => Stats.ErrorCount;

    public void Judge()
    {
        for (long id = 1; id <= Changes.Count; id++)
        {
            if (Changes.PhaseOf(id) != Phase.Measured) continue;
            ChangesMeasured++;
            if (Changes.SentAt(id) == 0)
            {
                ChangesNeverSent++;
                continue;
            }
            var missedHere = false;
            foreach (var b in Browsers)
            {
                Deliveries++;
                switch (b.Fate(id))
                {
                    case ChangeFate.Shown: Shown++; break;
                    case ChangeFate.Superseded: Superseded++; missedHere = true; break;
                    default: Missing++; missedHere = true; break;
                }
            }
            if (missedHere) MissedByAnyBrowser++;
        }
        Latencies = [.. Browsers.SelectMany(b => b.Latencies())];
        Latencies.Sort();
    }

    public static double Percentile(List<double> sorted, double p) =>
        sorted.Count == 0 ? double.NaN : sorted[Math.Clamp((int)Math.Ceiling(p / 100 * sorted.Count) - 1, 0, sorted.Count - 1)];

    public void Print(TextWriter o)
    {
        var s = Measured.TotalSeconds;
        static string Ms(double v) => double.IsNaN(v) ? "-" : v.ToString(v < 10 ? "0.0" : "N0", CultureInfo.InvariantCulture);
        o.WriteLine();
        o.WriteLine($"measured period:     {s:0.0} s (after {Options.Warmup.TotalSeconds:0} s warm-up; then {Options.Grace.TotalSeconds:0} s more for late changes)");
        o.WriteLine($"enrollment:          {Enroll.Describe()}");
        o.WriteLine($"agents connected:    {ConnectedAfterConnect:N0} of {Options.Agents:N0} in {ConnectTime.TotalSeconds:0.0} s ({Options.ConnectWave} at a time); " +
                    $"held at the end {ConnectedAtMeasureEnd:N0}; reconnects {Stats.AgentReconnectsMeasured:N0} in the period ({Stats.AgentReconnects:N0} in all)");
        o.WriteLine($"spans acknowledged:  {Stats.AckedRecordsMeasured / s:N0} records/s ({Stats.AckedBatchesMeasured / s:N0} batches/s); " +
                    $"ack after send p50 {Ms(Percentile(Acks, 50))} ms, p99 {Ms(Percentile(Acks, 99))} ms, max {Ms(Acks.Count > 0 ? Acks[^1] : double.NaN)} ms");
        o.WriteLine($"changes made:        {ChangesMeasured:N0} = {ChangesMeasured / s:N0}/s (new spans: switches and idle), each to {Browsers.Count} browsers" +
                    (ChangesNeverSent > 0 ? $"; {ChangesNeverSent:N0} never sent (agent offline)" : ""));
        o.WriteLine($"browser latency:     p50 {Ms(Percentile(Latencies, 50))} ms, p95 {Ms(Percentile(Latencies, 95))} ms, p99 {Ms(Percentile(Latencies, 99))} ms, " +
                    $"max {Ms(Latencies.Count > 0 ? Latencies[^1] : double.NaN)} ms (agent's send to the browser's receive, {Latencies.Count:N0} changes shown, all browsers pooled)");
        o.WriteLine($"shown:               {Shown:N0} of {Deliveries:N0} change × browser ({Pct(Shown, Deliveries)}); " +
                    $"{Browsers.Sum(b => b.ShownBySnapshot):N0} of them first in a full board");
        o.WriteLine($"never shown:         {Superseded:N0} superseded (a later change of the same agent shown instead), {Missing:N0} missing; " +
                    $"{MissedByAnyBrowser:N0} changes missed by at least one browser");
        o.WriteLine($"full board resends:  {Browsers.Sum(b => b.SnapshotsMeasured):N0} in the period ({Browsers.Sum(b => b.Snapshots):N0} in all, one per socket opened; biggest message {Browsers.Select(b => b.BiggestMessage).DefaultIfEmpty().Max() / 1024.0:N0} KiB)");
        o.WriteLine($"browser drops:       {DropsMeasured:N0} in the period ({Drops:N0} in all), reconnected {Browsers.Sum(b => b.Reconnects):N0} times" +
                    (Drops > 0 ? $"; {Browsers.Sum(b => b.DropsHtmxWouldNotReconnect):N0} with a close code htmx-ext-ws 2.0.4 would not reconnect from" : ""));
        foreach (var (reason, n) in Browsers.SelectMany(b => b.DropReasons).GroupBy(kv => kv.Key).Select(g => (g.Key, g.Sum(kv => kv.Value))).OrderByDescending(x => x.Item2))
            o.WriteLine($"                     {n,8:N0} × {reason}");
        o.WriteLine($"board traffic:       {Browsers.Sum(b => b.Messages) / Math.Max(1, Browsers.Count):N0} messages, {Browsers.Sum(b => b.Bytes) / Math.Max(1, Browsers.Count) / 1e6:N1} MB per browser over the run");
        var measuredErrors = Stats.ErrorsMeasured.Values.Sum();
        o.WriteLine($"errors:              {ErrorCount:N0} in all, {measuredErrors:N0} in the measured period");
        foreach (var (kind, n) in Stats.Errors.OrderByDescending(kv => kv.Value))
            o.WriteLine($"                     {n,8:N0} × {kind}");
        if (ServerAtMeasureStart is { } a && ServerAtMeasureEnd is { } z)
        {
            var connected = Math.Max(1, ConnectedAtMeasureEnd);
            var grown = ServerBeforeAgents is { } before ? z.RssKb - before.RssKb : (long?)null;
            o.WriteLine($"server CPU:          {ProcSample.CpuPercent(a, z):0} % of one core over the measured period (/proc/PID/stat utime+stime)");
            o.WriteLine($"server RSS:          {z.RssKb / 1024.0:N0} MiB at the end of the period, peak {PeakServerRssKb / 1024.0:N0} MiB in it, VmHWM {z.HwmKb / 1024.0:N0} MiB; " +
                        $"{(ServerBeforeAgents is { } b ? $"{b.RssKb / 1024.0:N0} MiB before the agents connected" : "")}; {z.Threads} threads at the end");
            o.WriteLine($"RSS per agent:       {z.RssKb / 1024.0 / connected:0.000} MiB (RSS / agents held)" +
                        (grown is { } g ? $", {g / 1024.0 / connected:0.000} MiB (growth since before the agents connected / agents held)" : ""));
        }
        else
        {
            o.WriteLine("server CPU and RSS:  not measured (no server process id)");
        }
        if (SelfAtMeasureStart is { } sa && SelfAtMeasureEnd is { } sz)
            o.WriteLine($"simulator:           {ProcSample.CpuPercent(sa, sz):0} % of one core, RSS {sz.RssKb / 1024.0:N0} MiB");
        if (MachineBusyAtMeasureStart is { } m0 && MachineBusyAtMeasureEnd is { } m1 && SelfAtMeasureStart is { } s0 && SelfAtMeasureEnd is { } s1)
        {
            // Whatever else ran on the machine meanwhile (a build, another test run) took CPU from the server and the simulator.
            var others = m1 - m0 - (s1.CpuTicks - s0.CpuTicks) - (ServerAtMeasureEnd is { } e && ServerAtMeasureStart is { } b ? e.CpuTicks - b.CpuTicks : 0);
            o.WriteLine($"other processes:     {Math.Max(0, others) / ProcSample.TicksPerSecond / s * 100:0} % of one core over the measured period (/proc/stat minus server and simulator; {Environment.ProcessorCount} cores in all)");
        }
        o.WriteLine($"targets (issue 12):  {Verdict()}");
    }

    private List<double>? _acks;

    private List<double> Acks
    {
        get
        {
            if (_acks is null)
            {
                _acks = Stats.AckLatencies();
                _acks.Sort();
            }
            return _acks;
        }
    }

    /// <summary>
    /// The issue's targets, each met or not (they are set for 10,000 agents and 50 browsers). Errors and
    /// drops are those of the measured period; the lines above give the whole run's too (connecting included).
    /// </summary>
    public string Verdict()
    {
        var checks = new List<string>
        {
            Check("p50 ≤ 50 ms", Percentile(Latencies, 50) <= 50),
            Check("p99 ≤ 250 ms", Percentile(Latencies, 99) <= 250),
            Check("zero errors in the period", Stats.ErrorsMeasured.Values.Sum() == 0),
            Check("no browser dropped in the period", DropsMeasured == 0),
            Check("nothing missing", Missing == 0),
        };
        if (ServerAtMeasureEnd is { } z) checks.Add(Check("server RSS ≤ 1 GB", Math.Max(z.HwmKb, PeakServerRssKb) * 1024L <= 1_000_000_000));
        return string.Join(", ", checks);
    }

    private static string Check(string what, bool ok) => $"{what} {(ok ? "met" : "NOT MET")}";

    private static string Pct(long part, long whole) => whole == 0 ? "-" : $"{100.0 * part / whole:0.00} %";
}
