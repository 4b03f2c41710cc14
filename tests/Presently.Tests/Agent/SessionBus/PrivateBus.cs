using Presently.Tests.Fixtures;
using Tmds.DBus.Protocol;

namespace Presently.Tests.Agent.SessionBus;

/// <summary>A dbus-daemon of the test's own (session configuration), on a socket in a temporary folder.</summary>
public sealed class PrivateBus : IDisposable
{
    private readonly TempDirectory _dir = new("presently-bus-");
    private readonly ChildProcess _daemon;

    public PrivateBus()
    {
        // The sensors block their calling thread on bus calls (by design: they own a thread), and so do
        // these tests; on a 2-core runner the pool's slow growth would otherwise starve the peers' replies.
        ThreadPool.GetMinThreads(out var workers, out var io);
        if (workers < 16) ThreadPool.SetMinThreads(16, io);
        var daemon = Requirements.Program("dbus-daemon", "dbus-daemon");
        Address = $"unix:path={_dir.File("bus")}";
        _daemon = new ChildProcess(daemon, ["--session", "--nofork", "--nopidfile", $"--address={Address}"]);
        Eventually.Until(() => File.Exists(_dir.File("bus")), TimeSpan.FromSeconds(10), "dbus-daemon socket").GetAwaiter().GetResult();
    }

    public string Address { get; }

    public string Folder => _dir.Path;

    /// <summary>A connection set up off the caller's synchronization context (Tmds dispatches on the one captured).</summary>
    public Task<DBusConnection> ConnectAsync() => Task.Run(async () =>
    {
        var c = new DBusConnection(Address);
        await c.ConnectAsync();
        return c;
    });

    /// <summary>Ends the daemon: every connection on it is dropped, as when a session bus dies.</summary>
    public void Kill() => _daemon.Dispose();

    public void Dispose()
    {
        _daemon.Dispose();
        _dir.Dispose();
    }
}

/// <summary>An object on a test peer's connection answering by a function of the request (null: never answer).</summary>
public sealed class PeerObject(string path, Func<MethodContext, bool> handle) : IPathMethodHandler
{
    public string Path => path;

    public bool HandlesChildPaths => false;

    public ValueTask HandleMethodAsync(MethodContext context)
    {
        // Not answering at all: the context is kept undisposed, so no reply (not even an error) is sent.
        if (!handle(context)) context.DisposesAsynchronously = true;
        return ValueTask.CompletedTask;
    }

    public static void ReplyEmpty(MethodContext c)
    {
        using var w = c.CreateReplyWriter(null);
        c.Reply(w.CreateMessage());
    }
}

/// <summary>Samples a sensor delivers, collected from its Run on a thread of its own.</summary>
public sealed class SensorRun : IDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private readonly Thread _thread;
    private readonly List<Presently.Agent.Sensors.ForegroundSample> _samples = [];

    public SensorRun(Presently.Agent.Sensors.IForegroundSensor sensor, TimeSpan? heartbeat = null)
    {
        var timing = new Presently.Agent.Sensors.SensorTiming(TimeSpan.FromMilliseconds(200), TimeSpan.FromMinutes(3), heartbeat ?? TimeSpan.FromSeconds(1));
        _thread = new Thread(() =>
        {
            try
            {
                sensor.Run(s => { lock (_samples) _samples.Add(s); }, timing, _stop.Token);
            }
            catch (Exception ex)
            {
                Failure = ex;
            }
        }) { IsBackground = true };
        _thread.Start();
    }

    public Exception? Failure { get; private set; }

    public Presently.Agent.Sensors.ForegroundSample? Last
    {
        get { lock (_samples) return _samples.Count == 0 ? null : _samples[^1]; }
    }

    public async Task<Presently.Agent.Sensors.ForegroundSample> WaitForAsync(Func<Presently.Agent.Sensors.ForegroundSample, bool> match, string what, double seconds = 10)
    {
        await Eventually.Until(() => Last is { } s && match(s), TimeSpan.FromSeconds(seconds), $"{what} (last sample: {Last})");
        return Last!;
    }

    /// <summary>Stops the sensor and says how long that took.</summary>
    public TimeSpan Stop()
    {
        var sw = System.Diagnostics.Stopwatch.StartNew();
        _stop.Cancel();
        Assert.True(_thread.Join(TimeSpan.FromSeconds(10)), "the sensor did not stop within 10 s");
        return sw.Elapsed;
    }

    public void Dispose()
    {
        if (_thread.IsAlive) Stop();
        _stop.Dispose();
    }
}
