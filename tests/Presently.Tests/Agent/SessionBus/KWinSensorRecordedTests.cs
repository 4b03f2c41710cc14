using System.Diagnostics;
using System.Text.RegularExpressions;
using Presently.Agent;
using Presently.Agent.Platforms.Linux.KWin;
using Presently.Agent.Sensors;
using Presently.Tests.Fixtures;
using Tmds.DBus.Protocol;

namespace Presently.Tests.Agent.SessionBus;

/// <summary>
/// The KWin sensor against a recorded conversation: a private dbus-daemon and a peer that plays
/// KWin (see <see cref="FakeKWin"/>). The real KWin is in <see cref="KWinSensorRealTests"/>.
/// </summary>
[Collection(TimingSensitive.Name)]
public sealed class KWinSensorRecordedTests : IDisposable
{
    private readonly PrivateBus _bus = new();
    private readonly StringWriter _logText = new();
    private AgentLog Log => new(_logText);

    public void Dispose() => _bus.Dispose();

    private static string AgentName(FakeKWin kwin) =>
        Regex.Match(kwin.ScriptText ?? "", "var service = \"([^\"]+)\";").Groups[1].Value;

    // Opened on a pool thread, as the agent opens it on its own: the test thread must not block.
    private KWinSensor Open() => Task.Run(() => KWinSensor.Open(Log, _bus.Address, _bus.Folder + "/script")).GetAwaiter().GetResult();

    [Fact]
    public async Task KWin_sensor_loads_its_script_reports_each_recorded_window_and_unloads_on_stop()
    {
        await using var kwin = await FakeKWin.StartAsync(_bus);
        var sensor = Open();
        Assert.Equal(["unloadScript presently-agent", "loadScript presently-agent", "run /Scripting/Script7"], kwin.Calls);
        // The script KWin was given calls the agent back, on the agent's own connection, for both Plasma versions.
        var script = kwin.ScriptText!;
        Assert.StartsWith(":", AgentName(kwin));
        Assert.Contains("callDBus(service, path, iface, \"ActiveWindow\"", script);
        Assert.Contains("workspace.windowActivated || workspace.clientActivated", script);
        Assert.Contains("captionChanged.connect(captionChanged)", script);
        Assert.Contains("\"/org/presently/Agent/KWin\"", script);

        using (var run = new SensorRun(sensor))
        {
            var me = Process.GetCurrentProcess();
            await kwin.ActiveWindowAsync(AgentName(kwin), "org.kde.konsole", "~ : bash", me.Id.ToString(System.Globalization.CultureInfo.InvariantCulture));
            var s = await run.WaitForAsync(x => x.App == "org.kde.konsole", "the konsole window");
            Assert.Equal("~ : bash", s.Title);
            Assert.Equal(me.Id, s.Pid);
            Assert.Equal(File.ReadAllText($"/proc/{me.Id}/comm").Trim(), s.Process);
            Assert.Equal(TimeSpan.FromMilliseconds(1234), s.Idle);

            // No resource class: the process name stands in for the app.
            await kwin.ActiveWindowAsync(AgentName(kwin), "", "untitled", me.Id.ToString(System.Globalization.CultureInfo.InvariantCulture));
            s = await run.WaitForAsync(x => x.Title == "untitled", "a window without class");
            Assert.Equal(s.Process, s.App);

            // A 64 KB caption passes whole; the span builder truncates.
            var huge = new string('x', 64 * 1024);
            await kwin.ActiveWindowAsync(AgentName(kwin), "firefox", huge, "0");
            s = await run.WaitForAsync(x => x.App == "firefox", "the huge caption");
            Assert.Equal(huge, s.Title);
            Assert.Null(s.Pid);

            // No active window (the desktop): unknown.
            await kwin.ActiveWindowAsync(AgentName(kwin), "", "", "0");
            await run.WaitForAsync(x => x.App is null && x.Title is null, "no active window");

            Assert.Equal([Capability.Yes("titles"), Capability.Yes("idle")], sensor.Explain());
            Assert.Equal(["kwin", "idle"], sensor.Capabilities);
            Assert.True(run.Stop() < TimeSpan.FromSeconds(1), "stopping took longer than a second");
        }
        var scriptPath = kwin.ScriptPath!;
        sensor.Dispose();
        Assert.Equal("unloadScript presently-agent", kwin.Calls.Last());
        Assert.False(File.Exists(scriptPath));
    }

    [Fact]
    public async Task KWin_sensor_runs_the_script_at_the_Plasma_5_path()
    {
        await using var kwin = await FakeKWin.StartAsync(_bus);
        kwin.Plasma5Paths = true;
        using var sensor = Open();
        Assert.Contains("run /7", kwin.Calls);
    }

    [Fact]
    public async Task KWin_sensor_ignores_calls_from_others_and_calls_with_wrong_types_and_says_so()
    {
        await using var kwin = await FakeKWin.StartAsync(_bus);
        using var sensor = Open();
        using var run = new SensorRun(sensor);
        await kwin.ActiveWindowAsync(AgentName(kwin), "kate", "notes.txt", "0");
        await run.WaitForAsync(x => x.App == "kate", "the kate window");

        var wrongTypes = await Assert.ThrowsAsync<DBusErrorReplyException>(() => kwin.GarbageAsync(AgentName(kwin)));
        Assert.Equal("org.freedesktop.DBus.Error.InvalidArgs", wrongTypes.ErrorName);
        var badPid = await Assert.ThrowsAsync<DBusErrorReplyException>(() => kwin.ActiveWindowAsync(AgentName(kwin), "x", "y", "not a number"));
        Assert.Equal("org.freedesktop.DBus.Error.InvalidArgs", badPid.ErrorName);

        // Another program on the bus cannot pose as KWin.
        await using var intruder = await FakeKWinIntruder.StartAsync(_bus);
        var denied = await Assert.ThrowsAsync<DBusErrorReplyException>(() => intruder.CallAsync(AgentName(kwin)));
        Assert.Equal("org.freedesktop.DBus.Error.AccessDenied", denied.ErrorName);

        Assert.Equal("kate", run.Last!.App);
        var titles = sensor.Explain()[0];
        Assert.Equal("titles", titles.Name);
        Assert.Contains("ignored 3 bad call(s)", titles.Missing);
        Assert.Contains("which is not KWin", titles.Missing);
    }

    [Fact]
    public async Task Without_KWin_on_the_bus_open_says_so()
    {
        var ex = Assert.Throws<SensorUnavailableException>(() => Open());
        Assert.Contains("nobody owns org.kde.KWin", ex.Message);
    }

    [Fact]
    public async Task KWin_refusing_the_script_or_never_answering_fails_open_within_seconds()
    {
        await using var kwin = await FakeKWin.StartAsync(_bus);
        kwin.LoadScriptAnswer = -1;
        Assert.Contains("KWin refused the script (loadScript returned -1)", Assert.Throws<SensorUnavailableException>(() => Open()).Message);

        kwin.LoadScriptAnswer = null;
        var sw = Stopwatch.StartNew();
        var ex = Assert.Throws<SensorUnavailableException>(() => Open());
        Assert.Contains("no answer within 3 s", ex.Message);
        Assert.InRange(sw.Elapsed, TimeSpan.FromSeconds(2.5), TimeSpan.FromSeconds(8));
    }

    [Fact]
    public async Task Without_a_screensaver_service_idle_is_explained_as_missing()
    {
        await using var kwin = await FakeKWin.StartAsync(_bus, screenSaver: false);
        using var sensor = Open();
        var idle = sensor.Explain()[1];
        Assert.Equal("idle", idle.Name);
        Assert.Contains("nothing on the session bus tells the idle time", idle.Missing);
        Assert.Equal(["kwin"], sensor.Capabilities);
    }

    [Fact]
    public async Task KWin_restarting_makes_the_window_unknown_and_the_script_is_loaded_again()
    {
        var kwin = await FakeKWin.StartAsync(_bus);
        using var sensor = Open();
        using var run = new SensorRun(sensor);
        await kwin.ActiveWindowAsync(AgentName(kwin), "kate", "notes.txt", "0");
        await run.WaitForAsync(x => x.App == "kate", "the kate window");

        await kwin.DisposeAsync();
        await run.WaitForAsync(x => x.App is null, "unknown once KWin left");
        Assert.Contains("KWin left the session bus", sensor.Explain()[0].Missing);

        await using var again = await FakeKWin.StartAsync(_bus);
        await Eventually.Until(() => again.Calls.Contains("run /Scripting/Script7"), TimeSpan.FromSeconds(10), "the script loaded into the new KWin");
        await again.ActiveWindowAsync(AgentName(again), "dolphin", "Home", "0");
        await run.WaitForAsync(x => x.App == "dolphin", "a window from the new KWin");
        Assert.Null(run.Failure);
    }

    [Fact]
    public async Task The_bus_going_away_is_unknown_and_explained_and_the_sensor_keeps_running()
    {
        await using var kwin = await FakeKWin.StartAsync(_bus);
        using var sensor = Open();
        using var run = new SensorRun(sensor);
        await kwin.ActiveWindowAsync(AgentName(kwin), "kate", "notes.txt", "0");
        await run.WaitForAsync(x => x.App == "kate", "the kate window");

        _bus.Kill();
        await run.WaitForAsync(x => x.App is null && x.Idle is null, "unknown once the bus is gone");
        await Eventually.Until(() => sensor.Explain()[0].Missing?.Contains("session bus connection was lost") == true, TimeSpan.FromSeconds(10), "status naming the lost bus");
        Assert.Null(run.Failure);
        Assert.True(run.Stop() < TimeSpan.FromSeconds(1), "stopping took longer than a second");
    }
}

/// <summary>Another program on the session bus calling the agent's KWin callback.</summary>
internal sealed class FakeKWinIntruder(DBusConnection connection) : IAsyncDisposable
{
    public static async Task<FakeKWinIntruder> StartAsync(PrivateBus bus) => new(await bus.ConnectAsync());

    public Task CallAsync(string agent) =>
        PrivateBus.LeaveReceiveThread(connection.CallMethodAsync(Presently.Agent.Platforms.Linux.SessionBus.BusCalls.Message(connection, agent, "/org/presently/Agent/KWin", "org.presently.Agent.KWin", "ActiveWindow", "evil", "spoofed", "1")));

    public ValueTask DisposeAsync()
    {
        connection.Dispose();
        return ValueTask.CompletedTask;
    }
}
