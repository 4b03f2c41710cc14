using System.Collections.Concurrent;
using System.Diagnostics;
using Presently.Agent.Platforms.Linux.X11;
using Presently.Agent.Sensors;
using Presently.Tests.Fixtures;

namespace Presently.Tests.Agent;

/// <summary>The X11 sensor against a real X server (Xvfb + openbox), in this process.</summary>
[Collection(nameof(TimingSensitive))]
public sealed class X11SensorTests
{
    [Fact]
    public async Task The_X_server_wakes_the_sensor_when_input_stops_and_when_it_comes_back()
    {
        await using var desktop = await X11Desktop.StartAsync();
        await desktop.ActivateAsync(await desktop.OpenTerminalAsync("IdleProbe", "idle probe"));
        using var sensor = X11ForegroundSensor.Open(desktop.Display);
        var samples = new BlockingCollection<(TimeSpan At, ForegroundSample Sample)>();
        var clock = Stopwatch.StartNew();
        using var stop = new CancellationTokenSource();
        // Polling and the heartbeat are a minute apart: any sample sooner than that was the X server's doing.
        var timing = new SensorTiming(PollInterval: TimeSpan.FromMinutes(1), IdleThreshold: TimeSpan.FromSeconds(2), Heartbeat: TimeSpan.FromMinutes(1));
        var thread = new Thread(() => sensor.Run(s => samples.Add((clock.Elapsed, s)), timing, stop.Token)) { IsBackground = true };
        try
        {
            await ChildProcess.RunAsync("xdotool", ["mousemove", "10", "10"], desktop.Env);
            thread.Start();
            Assert.True(samples.TryTake(out var first, TimeSpan.FromSeconds(10)), "no first sample");
            Assert.Equal("IdleProbe", first.Sample.App);

            // Input stops: the idle alarm fires at the threshold.
            var idle = Next(samples, s => s.Idle >= TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(10));
            Assert.InRange(idle.At - first.At, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(8));

            // Input comes back: the sensor hears it at once, not at the next poll.
            var moved = clock.Elapsed;
            await ChildProcess.RunAsync("xdotool", ["mousemove", "200", "200"], desktop.Env);
            var back = Next(samples, s => s.Idle < TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(10));
            Assert.InRange(back.At - moved, TimeSpan.Zero, TimeSpan.FromSeconds(3));
        }
        finally
        {
            // Stopping wakes the sensor at once, though its next poll is a minute away.
            var stopping = Stopwatch.StartNew();
            await stop.CancelAsync();
            if (thread.IsAlive) Assert.True(thread.Join(TimeSpan.FromSeconds(5)), "the sensor did not stop");
            Assert.True(stopping.Elapsed < TimeSpan.FromSeconds(5));
        }
    }

    private static (TimeSpan At, ForegroundSample Sample) Next(BlockingCollection<(TimeSpan At, ForegroundSample Sample)> samples, Func<ForegroundSample, bool> wanted, TimeSpan within)
    {
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < within)
            if (samples.TryTake(out var s, within - deadline.Elapsed) && wanted(s.Sample)) return s;
        throw new TimeoutException($"no matching sample within {within.TotalSeconds} s");
    }
}
