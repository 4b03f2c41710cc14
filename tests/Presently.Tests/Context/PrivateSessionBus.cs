using Presently.Tests.Fixtures;

namespace Presently.Tests.Context;

/// <summary>A dbus-daemon of the test's own (session configuration), on a socket in a temporary directory; gone on dispose.</summary>
public sealed class PrivateSessionBus : IDisposable
{
    private readonly TempDirectory _dir = new("presently-bus-");
    private readonly ChildProcess _daemon;

    private PrivateSessionBus(string daemon)
    {
        Address = $"unix:path={_dir.File("bus")}";
        _daemon = new ChildProcess(daemon, ["--session", "--nofork", "--nopidfile", $"--address={Address}"]);
    }

    public string Address { get; }

    public static async Task<PrivateSessionBus> StartAsync()
    {
        var bus = new PrivateSessionBus(Requirements.Program("dbus-daemon", "dbus-daemon"));
        await Eventually.Until(() => File.Exists(bus._dir.File("bus")) || bus._daemon.HasExited, TimeSpan.FromSeconds(10), "dbus-daemon socket");
        if (bus._daemon.HasExited) throw new InvalidOperationException($"dbus-daemon exited: {bus._daemon.Output}");
        return bus;
    }

    /// <summary>Ends the daemon: everyone on the bus is disconnected.</summary>
    public async Task StopAsync() => await _daemon.StopAsync(TimeSpan.FromSeconds(5));

    public void Dispose()
    {
        _daemon.Dispose();
        _dir.Dispose();
    }
}
