using System.Collections.Concurrent;
using System.Diagnostics;
using Presently.Agent.Platforms.Linux.Sway;
using Presently.Agent.Sensors;
using Presently.Tests.Fixtures;

namespace Presently.Tests.Agent;

/// <summary>The sway sensor against a real headless sway, in this process.</summary>
[Collection(TimingSensitive.Name)]
public sealed class SwaySensorTests
{
    private static readonly SensorTiming Timing = new(PollInterval: TimeSpan.FromMinutes(1), IdleThreshold: TimeSpan.FromSeconds(2), Heartbeat: TimeSpan.FromMinutes(1));

    [Fact]
    public async Task Sway_sensor_follows_focus_titles_and_process_and_stops_at_once()
    {
        await using var desktop = await SwayDesktop.StartAsync();
        var alpha = await desktop.OpenTerminalAsync("AppAlpha", "Alpha title");
        await desktop.OpenTerminalAsync("AppBeta", "Beta, with a comma");
        using var run = SensorRun.Start(SwayForegroundSensor.Open("sway", desktop.IpcSocket, Path.Combine(desktop.RuntimeDirectory, desktop.WaylandDisplay), TimeProvider.System, null));

        // The newest window has the focus when the sensor starts: it reads it from the tree.
        var first = run.Next(s => s.App is not null, TimeSpan.FromSeconds(10));
        Assert.Equal("AppBeta", first.App);
        Assert.Equal("Beta, with a comma", first.Title);
        Assert.Equal("foot", first.Process);
        Assert.NotNull(first.Pid);

        // A focus change arrives as an event, long before the minute-long heartbeat.
        var switched = Stopwatch.StartNew();
        await desktop.FocusAsync("AppAlpha");
        var focused = run.Next(s => s.App == "AppAlpha", TimeSpan.FromSeconds(5));
        Assert.True(switched.Elapsed < TimeSpan.FromSeconds(2), $"focus seen after {switched.Elapsed.TotalMilliseconds:0} ms");
        Assert.Equal("Alpha title", focused.Title);
        Assert.Equal(alpha.Process.Id, focused.Pid);

        Assert.Equal(["titles: yes", "idle: yes"], run.Sensor.Explain().Select(c => c.ToString()));
    }

    [Fact]
    public async Task Sway_reports_idle_after_the_threshold_and_activity_as_soon_as_input_comes_back()
    {
        await using var desktop = await SwayDesktop.StartAsync();
        await desktop.OpenTerminalAsync("IdleProbe", "idle probe");
        using var run = SensorRun.Start(SwayForegroundSensor.Open("sway", desktop.IpcSocket, Path.Combine(desktop.RuntimeDirectory, desktop.WaylandDisplay), TimeProvider.System, null));
        var first = run.Next(s => s.App == "IdleProbe", TimeSpan.FromSeconds(10));
        Assert.Equal(TimeSpan.Zero, first.Idle);

        // Headless sway has no input devices: nothing resets the timer, the seat idles at the threshold.
        var idle = run.Next(s => s.Idle >= Timing.IdleThreshold, TimeSpan.FromSeconds(10));
        Assert.InRange(idle.Idle!.Value, Timing.IdleThreshold, Timing.IdleThreshold + TimeSpan.FromSeconds(1));

        // Input through sway's own seat command counts as activity: the sensor hears "resumed" at once.
        await desktop.MsgAsync("seat", "seat0", "cursor", "move", "1", "1");
        var back = run.Next(s => s.Idle == TimeSpan.Zero, TimeSpan.FromSeconds(3));
        Assert.Equal("IdleProbe", back.App);
    }

    /// <summary>A sensor running on its own thread, its samples collected.</summary>
    internal sealed class SensorRun : IDisposable
    {
        private readonly BlockingCollection<ForegroundSample> _samples = [];
        private readonly CancellationTokenSource _stop = new();
        private readonly Thread _thread;

        private SensorRun(IForegroundSensor sensor, SensorTiming timing)
        {
            Sensor = sensor;
            _thread = new Thread(() => sensor.Run(_samples.Add, timing, _stop.Token)) { IsBackground = true };
            _thread.Start();
        }

        public IForegroundSensor Sensor { get; }

        public static SensorRun Start(IForegroundSensor sensor, SensorTiming? timing = null) => new(sensor, timing ?? Timing);

        public ForegroundSample Next(Func<ForegroundSample, bool> wanted, TimeSpan within)
        {
            var deadline = Stopwatch.StartNew();
            var seen = new List<ForegroundSample>();
            while (deadline.Elapsed < within)
            {
                if (!_samples.TryTake(out var s, within - deadline.Elapsed)) break;
                if (wanted(s)) return s;
                seen.Add(s);
            }
            throw new TimeoutException($"no matching sample within {within.TotalSeconds} s; saw: {string.Join("; ", seen)}; status: {string.Join(", ", Sensor.Explain())}");
        }

        public void Dispose()
        {
            // Stopping wakes the sensor at once, though its heartbeat is a minute away.
            var stopping = Stopwatch.StartNew();
            _stop.Cancel();
            var stopped = _thread.Join(TimeSpan.FromSeconds(5));
            Sensor.Dispose();
            _stop.Dispose();
            Assert.True(stopped && stopping.Elapsed < TimeSpan.FromSeconds(2), $"the sensor took {stopping.Elapsed.TotalMilliseconds:0} ms to stop");
        }
    }
}
