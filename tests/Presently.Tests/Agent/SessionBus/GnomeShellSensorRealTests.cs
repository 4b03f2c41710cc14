using Presently.Agent;
using Presently.Agent.Platforms.Linux.Gnome;
using Presently.Agent.Sensors;
using Presently.Tests.Fixtures;

namespace Presently.Tests.Agent.SessionBus;

/// <summary>
/// The GNOME Shell sensor and extension against a real GNOME Shell (see <see cref="GnomeShellDesktop"/>):
/// `install` writes and enables the extension, the Shell starts (a login) and loads it, the sensor
/// follows focus and title changes of real Wayland windows, `uninstall` disables it in the running Shell.
/// </summary>
[Collection(TimingSensitive.Name)]
public sealed class GnomeShellSensorRealTests
{
    [Fact]
    public async Task Install_then_login_then_the_sensor_follows_focus_and_titles_on_a_real_GNOME_Shell_and_uninstall_takes_the_extension_away()
    {
        await using var gnome = await GnomeShellDesktop.CreateAsync();
        var extension = new GnomeShellExtension(gnome.DataHome, gnome.Runner);

        // Installed before the login: with no Shell running, gnome-extensions enable writes the setting itself.
        var said = extension.Install();
        Assert.True(said?.Contains("(for GNOME") == true && said.Contains("enabled; log out and back in once so GNOME Shell loads it"), said);
        Assert.Contains($"'{GnomeShellExtension.Uuid}'", await gnome.GsettingsAsync("get", "org.gnome.shell", "enabled-extensions"));

        await gnome.StartShellAsync();
        await Eventually.Until(() => gnome.OwnerAsync(GnomeShellSensor.BusName), owner => owner is not null, TimeSpan.FromSeconds(30), $"the Presently extension on the bus (GNOME Shell said: {gnome.Output})");

        var log = new StringWriter();
        var sensor = await Task.Run(() => GnomeShellSensor.Open(new AgentLog(log), gnome.Bus.Address, () => Directory.Exists(extension.Directory)));
        try
        {
            using var run = new SensorRun(sensor);

            // The Shell focuses each new window.
            var one = await gnome.OpenTerminalAsync("presently.one", "First window");
            var s = await run.WaitForAsync(x => x.App == "presently.one", "the first window", 30, () => $"foot said: {one.Process.Output}; GNOME Shell said: {gnome.Output}");
            Assert.Equal("First window", s.Title);
            Assert.Equal(one.Pid, s.Pid);
            Assert.Equal("foot", s.Process);
            Assert.NotNull(s.Idle); // Mutter's IdleMonitor
            var two = await gnome.OpenTerminalAsync("presently.two", "Second window");
            s = await run.WaitForAsync(x => x.App == "presently.two", "the second window", 30);
            Assert.Equal("Second window", s.Title);
            Assert.Equal(two.Pid, s.Pid);

            // Switching, as a user clicks.
            await gnome.ActivateAsync("presently.one");
            await run.WaitForAsync(x => x.App == "presently.one" && x.Title == "First window", "the first window activated again");
            await gnome.ActivateAsync("presently.two");
            await run.WaitForAsync(x => x.App == "presently.two" && x.Title == "Second window", "the second window activated again");

            // The focused window's title changes: reported without a switch.
            await two.RetitleAsync("Second window, renamed");
            await run.WaitForAsync(x => x.App == "presently.two" && x.Title == "Second window, renamed", "the new title");

            // Closing the focused window gives the focus back to the other one.
            two.Close();
            await run.WaitForAsync(x => x.App == "presently.one" && x.Title == "First window", "the first window once the second is closed");

            Assert.Null(run.Failure);
            Assert.Equal([Capability.Yes("titles"), Capability.Yes("idle")], sensor.Explain());

            // Uninstall disables the extension in the running Shell: it leaves the bus, the window is unknown.
            var removed = extension.Uninstall();
            Assert.Contains("removed the GNOME Shell extension", removed);
            Assert.False(Directory.Exists(extension.Directory));
            await run.WaitForAsync(x => x.App is null, "unknown once the extension is disabled", 30);
            Assert.Contains("the GNOME Shell extension left the session bus", sensor.Explain()[0].Missing);
            Assert.True(run.Stop() < TimeSpan.FromSeconds(1), "stopping took longer than a second");
        }
        finally
        {
            sensor.Dispose();
        }
    }
}
