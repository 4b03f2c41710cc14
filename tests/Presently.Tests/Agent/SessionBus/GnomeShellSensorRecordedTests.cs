using System.Diagnostics;
using Presently.Agent;
using Presently.Agent.Platforms.Linux.Gnome;
using Presently.Agent.Sensors;
using Presently.Tests.Fixtures;

namespace Presently.Tests.Agent.SessionBus;

/// <summary>
/// The GNOME Shell sensor against a recorded conversation: a private dbus-daemon and a peer that plays
/// the Presently extension and Mutter (see <see cref="FakeGnomeShell"/>). The real GNOME Shell is in
/// <see cref="GnomeShellSensorRealTests"/>.
/// </summary>
[Collection(TimingSensitive.Name)]
public sealed class GnomeShellSensorRecordedTests : IDisposable
{
    private readonly PrivateBus _bus = new();
    private readonly StringWriter _logText = new();

    public void Dispose() => _bus.Dispose();

    // Opened on a pool thread, as the agent opens it on its own: the test thread must not block.
    private GnomeShellSensor Open(bool installed = true) =>
        Task.Run(() => GnomeShellSensor.Open(new AgentLog(_logText), _bus.Address, () => installed)).GetAwaiter().GetResult();

    private static readonly int Me = Environment.ProcessId;

    [Fact]
    public async Task Gnome_sensor_asks_the_focused_window_at_open_then_follows_FocusChanged_signals()
    {
        await using var shell = await FakeGnomeShell.StartAsync(_bus);
        shell.Focused = ("org.gnome.Nautilus", "Home", Me);
        using var sensor = Open();
        Assert.Equal(1, shell.FocusedWindowCalls);
        using var run = new SensorRun(sensor);
        var s = await run.WaitForAsync(x => x.App == "org.gnome.Nautilus", "the window focused at open");
        Assert.Equal("Home", s.Title);
        Assert.Equal(Me, s.Pid);
        Assert.Equal(File.ReadAllText($"/proc/{Me}/comm").Trim(), s.Process);
        Assert.Equal(TimeSpan.FromMilliseconds(1234), s.Idle);

        shell.FocusChanged("firefox", "Mozilla Firefox", 0);
        s = await run.WaitForAsync(x => x.App == "firefox", "the firefox window");
        Assert.Equal("Mozilla Firefox", s.Title);
        Assert.Null(s.Pid);

        // A title change of the focused window is the same signal.
        shell.FocusChanged("firefox", "Presently - Mozilla Firefox", 0);
        await run.WaitForAsync(x => x.Title == "Presently - Mozilla Firefox", "the new title");

        // No class: the process name stands in.
        shell.FocusChanged("", "untitled", Me);
        s = await run.WaitForAsync(x => x.Title == "untitled", "a window without class");
        Assert.Equal(s.Process, s.App);

        // Nothing focused (the overview, the desktop): unknown.
        shell.FocusChanged("", "", 0);
        await run.WaitForAsync(x => x.App is null && x.Title is null, "nothing focused");

        Assert.Equal([Capability.Yes("titles"), Capability.Yes("idle")], sensor.Explain());
        Assert.Equal(["gnome-shell", "idle"], sensor.Capabilities);
        Assert.True(run.Stop() < TimeSpan.FromSeconds(1), "stopping took longer than a second");
    }

    [Fact]
    public async Task Signals_from_others_or_of_other_types_are_ignored_and_explained()
    {
        await using var shell = await FakeGnomeShell.StartAsync(_bus);
        shell.Focused = ("gedit", "notes.txt", 0);
        using var sensor = Open();
        using var run = new SensorRun(sensor);
        await run.WaitForAsync(x => x.App == "gedit", "the gedit window");

        shell.GarbageFocusChanged();
        await using (var intruder = await FakeGnomeShell.StartAsync(_bus, extension: false, mutter: false))
        {
            intruder.FocusChanged("evil", "spoofed", 1);
            await intruder.FlushAsync();
        }
        await Eventually.Until(() => sensor.Explain()[0].Missing?.Contains("ignored 2 bad message(s)") == true, TimeSpan.FromSeconds(10), "both bad signals counted");
        var titles = sensor.Explain()[0].Missing!;
        Assert.Contains("which is not the extension", titles);
        Assert.Equal("gedit", run.Last!.App);
        Assert.Contains("gnome-shell: ignored a FocusChanged signal of type other than (ssi)", _logText.ToString());
    }

    [Fact]
    public void Without_the_extension_installed_open_says_to_install_it()
    {
        var ex = Assert.Throws<SensorUnavailableException>(() => Open(installed: false));
        Assert.Contains("the Presently GNOME Shell extension is not installed: run `presently-agent install`, then log out and back in", ex.Message);
    }

    [Fact]
    public async Task Installed_but_not_running_it_starts_says_to_log_in_again_and_picks_the_extension_up_when_it_appears()
    {
        using var sensor = Open(installed: true);
        using var run = new SensorRun(sensor);
        var titles = sensor.Explain()[0];
        Assert.Contains("is installed but not running: log out and back in once", titles.Missing);
        Assert.Contains("nothing on the session bus tells the idle time", sensor.Explain()[1].Missing);
        await run.WaitForAsync(x => x.App is null, "unknown while the extension is not there");

        // The next login: the Shell loads the extension, which takes the name.
        await using var shell = await FakeGnomeShell.StartAsync(_bus, mutter: false);
        // The sensor may ask FocusedWindow the moment the name appears, before the window is set here:
        // the extension's signal is what a real Shell sends next, whichever came first.
        shell.FocusChanged("org.gnome.Terminal", "~", 0);
        await run.WaitForAsync(x => x.App == "org.gnome.Terminal", "the window the extension reports once it appears");
        Assert.Equal(Capability.Yes("titles"), sensor.Explain()[0]);
    }

    [Fact]
    public async Task The_extension_leaving_makes_the_window_unknown_and_its_return_is_picked_up()
    {
        var shell = await FakeGnomeShell.StartAsync(_bus);
        shell.Focused = ("gedit", "notes.txt", 0);
        using var sensor = Open();
        using var run = new SensorRun(sensor);
        await run.WaitForAsync(x => x.App == "gedit", "the gedit window");

        await shell.DisposeAsync();
        await run.WaitForAsync(x => x.App is null, "unknown once the extension left");
        Assert.Contains("the GNOME Shell extension left the session bus", sensor.Explain()[0].Missing);

        await using var again = await FakeGnomeShell.StartAsync(_bus);
        again.FocusChanged("org.gnome.Calculator", "Calculator", 0); // as above: the query may come before the window is set
        await run.WaitForAsync(x => x.App == "org.gnome.Calculator", "the window from the extension back");
        Assert.Null(run.Failure);
    }

    [Fact]
    public async Task An_extension_that_does_not_answer_FocusedWindow_costs_open_at_most_the_call_timeout()
    {
        // The extension's name is owned by a peer that never answers (a Shell stuck in a modal loop).
        await using var hung = await HungPeer.StartAsync(_bus);
        await hung.TakeAsync("org.presently.Shell");
        var sw = Stopwatch.StartNew();
        using var sensor = Open();
        Assert.InRange(sw.Elapsed, TimeSpan.FromSeconds(2.5), TimeSpan.FromSeconds(8));
        Assert.Contains("did not answer FocusedWindow (no answer within 3 s)", sensor.Explain()[0].Missing);
    }

    /// <summary>A peer that owns names and never answers a call.</summary>
    private sealed class HungPeer(Tmds.DBus.Protocol.DBusConnection connection) : IAsyncDisposable
    {
        public static async Task<HungPeer> StartAsync(PrivateBus bus)
        {
            var c = await bus.ConnectAsync();
            c.AddMethodHandler(new PeerObject("/org/presently/Shell", _ => false));
            return new HungPeer(c);
        }

        public Task TakeAsync(string name) => PrivateBus.LeaveReceiveThread(connection.RequestNameAsync(name, Tmds.DBus.Protocol.RequestNameOptions.Default));

        public ValueTask DisposeAsync()
        {
            connection.Dispose();
            return ValueTask.CompletedTask;
        }
    }
}
