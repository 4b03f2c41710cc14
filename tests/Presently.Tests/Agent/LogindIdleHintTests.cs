using Tmds.DBus.Protocol;
using Presently.Agent.Platforms.Linux;
using Presently.Agent.Platforms.Linux.Hyprland;
using Presently.Agent.Sensors;
using Presently.Tests.Fixtures;

namespace Presently.Tests.Agent;

/// <summary>
/// On a compositor without a Wayland idle protocol, idle comes from logind's IdleHint: a private bus
/// plays the system bus, with a logind of the test's own that sets the hint and announces it.
/// </summary>
[Collection(TimingSensitive.Name)]
public sealed class LogindIdleHintTests
{
    [Fact]
    public async Task Without_a_Wayland_idle_protocol_idle_comes_from_logind_IdleHint_and_a_change_wakes_the_sensor()
    {
        using var bus = new PrivateBus();
        await using var logind = await FakeLogind.StartAsync(bus);
        using var dir = new TempDirectory("presently-hypr-");
        await using var hypr = new HyprlandSensorTests.FakeHyprland(dir.Path);
        hypr.ActiveWindow = """{"address":"0x5500","class":"kitty","title":"~","pid":1}""";
        var sensor = await Task.Run(() => HyprlandForegroundSensor.Open(dir.Path, Path.Combine(dir.Path, "no-wayland-here"), TimeProvider.System, null, bus.Address));
        Assert.Equal(Capability.Yes("idle"), sensor.Explain()[1]);
        // A heartbeat of a minute: every sample after the first is woken by a change.
        using var run = SwaySensorTests.SensorRun.Start(sensor);
        var first = run.Next(s => s.App == "kitty", TimeSpan.FromSeconds(5));
        Assert.Equal(TimeSpan.Zero, first.Idle);

        // The desktop sets the hint (swayidle idlehint): idle since then, not since the signal.
        var since = DateTimeOffset.UtcNow - TimeSpan.FromSeconds(40);
        logind.SetIdle(since);
        var idle = run.Next(s => s.Idle > TimeSpan.Zero, TimeSpan.FromSeconds(5));
        Assert.InRange(idle.Idle!.Value, TimeSpan.FromSeconds(40), TimeSpan.FromSeconds(45));
        Assert.Equal("kitty", idle.App);

        logind.SetActive();
        run.Next(s => s.Idle == TimeSpan.Zero, TimeSpan.FromSeconds(5));

        // logind going away makes idle unknown, and says so.
        await logind.DisposeAsync();
        await bus.StopAsync();
        run.Next(s => s.Idle is null, TimeSpan.FromSeconds(10));
        Assert.Contains("logind", sensor.Explain()[1].Missing);
    }

    [Fact]
    public async Task With_neither_a_Wayland_idle_protocol_nor_logind_status_says_what_was_tried()
    {
        using var bus = new PrivateBus();
        using var dir = new TempDirectory("presently-hypr-");
        await using var hypr = new HyprlandSensorTests.FakeHyprland(dir.Path);
        using var sensor = await Task.Run(() => HyprlandForegroundSensor.Open(dir.Path, Path.Combine(dir.Path, "no-wayland-here"), TimeProvider.System, null, bus.Address));
        var why = sensor.Explain()[1].Missing;
        Assert.NotNull(why);
        Assert.Contains("no-wayland-here", why);
        Assert.Contains("IdleHint", why);
        Assert.Equal(["hyprland"], sensor.Capabilities);
    }

    /// <summary>Just enough of systemd-logind: GetSessionByPID, the session's properties, PropertiesChanged.</summary>
    private sealed class FakeLogind : IAsyncDisposable
    {
        private const string SessionPath = "/org/freedesktop/login1/session/_31";
        private readonly DBusConnection _connection;
        private volatile bool _idle;
        private ulong _sinceMicros;

        private FakeLogind(DBusConnection connection) => _connection = connection;

        public static async Task<FakeLogind> StartAsync(PrivateBus bus)
        {
            var logind = new FakeLogind(await bus.ConnectAsync());
            logind._connection.AddMethodHandler(new PeerObject("/org/freedesktop/login1", c =>
            {
                using var w = c.CreateReplyWriter("o");
                w.WriteObjectPath(SessionPath);
                c.Reply(w.CreateMessage());
                return true;
            }));
            logind._connection.AddMethodHandler(new PeerObject(SessionPath, c =>
            {
                var w = c.CreateReplyWriter("a{sv}");
                logind.WriteProperties(ref w);
                c.Reply(w.CreateMessage());
                w.Dispose();
                return true;
            }));
            await PrivateBus.LeaveReceiveThread(logind._connection.RequestNameAsync("org.freedesktop.login1", RequestNameOptions.Default));
            return logind;
        }

        public void SetIdle(DateTimeOffset since)
        {
            Volatile.Write(ref _sinceMicros, (ulong)since.ToUnixTimeMilliseconds() * 1000);
            _idle = true;
            Announce();
        }

        public void SetActive()
        {
            _idle = false;
            Announce();
        }

        /// <summary>PropertiesChanged with the idle properties invalidated, as logind sends it.</summary>
        public void Announce()
        {
            var writer = _connection.GetMessageWriter();
            writer.WriteSignalHeader(destination: null, path: SessionPath, @interface: "org.freedesktop.DBus.Properties", member: "PropertiesChanged", signature: "sa{sv}as");
            writer.WriteString("org.freedesktop.login1.Session");
            WriteProperties(ref writer);
            writer.WriteArray(Array.Empty<string>());
            _connection.TrySendMessage(writer.CreateMessage());
            writer.Dispose();
        }

        // MessageWriter is a struct: passed by reference, or what is written is lost to the caller.
        private void WriteProperties(ref MessageWriter writer)
        {
            var start = writer.WriteDictionaryStart();
            writer.WriteDictionaryEntryStart();
            writer.WriteString("IdleHint");
            writer.WriteVariant(VariantValue.Bool(_idle));
            writer.WriteDictionaryEntryStart();
            writer.WriteString("IdleSinceHint");
            writer.WriteVariant(VariantValue.UInt64(_idle ? Volatile.Read(ref _sinceMicros) : 0));
            writer.WriteDictionaryEntryStart();
            writer.WriteString("Name");
            writer.WriteVariant(VariantValue.String("presently"));
            writer.WriteDictionaryEnd(start);
        }

        public ValueTask DisposeAsync()
        {
            _connection.Dispose();
            return ValueTask.CompletedTask;
        }
    }
}
