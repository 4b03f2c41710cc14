using Presently.Agent;
using Presently.Agent.Platforms.Linux.KWin;
using Presently.Agent.Sensors;
using Presently.Tests.Fixtures;

namespace Presently.Tests.Agent.SessionBus;

/// <summary>
/// The KWin sensor against a real KWin (see <see cref="KWinDesktop"/>): the script it loads runs in
/// KWin's own script engine, and KWin calls the agent back on every activation and caption change.
/// </summary>
[Collection(TimingSensitive.Name)]
public sealed class KWinSensorRealTests
{
    [Fact]
    public async Task KWin_sensor_on_a_real_KWin_reports_each_window_switch_and_caption_change_and_unloads_its_script()
    {
        await using var kwin = await KWinDesktop.StartAsync();
        var log = new StringWriter();
        var sensor = await Task.Run(() => KWinSensor.Open(new AgentLog(log), kwin.Bus.Address, Path.Combine(kwin.Folder, "agent")));
        try
        {
            Assert.True(await kwin.IsScriptLoadedAsync(KWinScript.PluginName), "KWin does not list the agent's script as loaded");
            using var run = new SensorRun(sensor);

            // KWin activates a new window: each one opened is reported as it appears.
            var one = await kwin.OpenTerminalAsync("PresentlyOne", "First window");
            var s = await run.WaitForAsync(x => x.App == "presentlyone", $"the first window (KWin: {kwin.Output})", 60);
            Assert.Equal("First window", s.Title);
            Assert.Equal(one.Pid, s.Pid);
            Assert.Equal("xterm", s.Process);
            var two = await kwin.OpenTerminalAsync("PresentlyTwo", "Second window");
            s = await run.WaitForAsync(x => x.App == "presentlytwo", "the second window", 60);
            Assert.Equal("Second window", s.Title);
            Assert.Equal(two.Pid, s.Pid);

            // Switching back and forth, as a user does.
            await kwin.ActivateAsync("presentlyone");
            await run.WaitForAsync(x => x.App == "presentlyone" && x.Title == "First window", "the first window activated again");
            await kwin.ActivateAsync("presentlytwo");
            await run.WaitForAsync(x => x.App == "presentlytwo" && x.Title == "Second window", "the second window activated again");

            // The active window's caption changes: reported without any switch.
            await two.RetitleAsync("Second window, renamed");
            s = await run.WaitForAsync(x => x.Title == "Second window, renamed", "the new caption");
            Assert.Equal("presentlytwo", s.App);
            // A caption change in a window in the background is not the window in front.
            await one.RetitleAsync("First window, renamed");
            await kwin.ActivateAsync("presentlyone");
            await run.WaitForAsync(x => x.App == "presentlyone" && x.Title == "First window, renamed", "the first window with its new caption");

            Assert.Null(run.Failure);
            var explained = sensor.Explain();
            Assert.Equal(Capability.Yes("titles"), explained[0]);
            // Plasma's screen locker serves org.freedesktop.ScreenSaver but answers GetSessionIdleTime
            // with NotSupported on Wayland: idle is explained, not made up.
            Assert.Equal("idle", explained[1].Name);
            Assert.NotNull(explained[1].Missing);
            Assert.Contains("GetSessionIdleTime", explained[1].Missing);
            Assert.True(run.Stop() < TimeSpan.FromSeconds(1), "stopping took longer than a second");
        }
        finally
        {
            sensor.Dispose();
        }
        Assert.False(await kwin.IsScriptLoadedAsync(KWinScript.PluginName), "the agent's script is still loaded in KWin after Dispose");
        Assert.Contains("kwin: script", log.ToString());
    }

    [Fact]
    public async Task KWin_sensor_on_Wayland_tells_idle_from_KWin_s_idle_protocol_and_input_coming_back()
    {
        await using var kwin = await KWinDesktop.StartAsync();
        var threshold = TimeSpan.FromSeconds(2);
        var sensor = await Task.Run(() => KWinSensor.Open(new AgentLog(TextWriter.Null), kwin.Bus.Address, Path.Combine(kwin.Folder, "agent"), waylandSocket: kwin.WaylandSocket));
        try
        {
            Assert.Equal(["kwin", "idle"], sensor.Capabilities);
            Assert.Equal(Capability.Yes("idle"), sensor.Explain()[1]);
            using var run = new SensorRun(sensor, heartbeat: TimeSpan.FromMinutes(1), idleThreshold: threshold);
            await kwin.OpenTerminalAsync("PresentlyIdle", "Idle probe");
            var first = await run.WaitForAsync(x => x.App == "presentlyidle", $"the window (KWin: {kwin.Output})", 60);
            Assert.True(first.Idle < threshold, $"idle {first.Idle} at the first window");

            // The virtual backend has no input devices: KWin says "idled" at the threshold, and the
            // sensor wakes for it without a heartbeat (a minute here).
            var idle = await run.WaitForAsync(x => x.Idle >= threshold, "idle past the threshold", 15);
            Assert.InRange(idle.Idle!.Value, threshold, threshold + TimeSpan.FromSeconds(2));
            Assert.Equal("presentlyidle", idle.App);

            // Activity KWin is told of ends idle at once ("resumed").
            await kwin.SimulateUserActivityAsync();
            var back = await run.WaitForAsync(x => x.Idle == TimeSpan.Zero, "activity after the simulated input", 5);
            Assert.Equal("presentlyidle", back.App);
            Assert.Null(run.Failure);
        }
        finally
        {
            sensor.Dispose();
        }
    }
}
