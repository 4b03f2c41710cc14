using System.Net.Sockets;
using Tmds.DBus.Protocol;

namespace Presently.Tests.Fixtures;

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
        // The socket file appears when it is bound, a moment before the daemon listens: wait for a connection to be taken.
        Eventually.Until(() => Accepts(_dir.File("bus")), TimeSpan.FromSeconds(10), "dbus-daemon taking connections").GetAwaiter().GetResult();
    }

    private static bool Accepts(string path)
    {
        try
        {
            using var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
            socket.Connect(new UnixDomainSocketEndPoint(path));
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    public string Address { get; }

    public string Folder => _dir.Path;

    /// <summary>Ends the daemon: everyone on the bus is disconnected.</summary>
    public async Task StopAsync() => await _daemon.StopAsync(TimeSpan.FromSeconds(5));

    /// <summary>What dbus-daemon said, for failure messages.</summary>
    public string DaemonOutput => _daemon.Output;

    /// <summary>A connection set up off the caller's synchronization context (Tmds dispatches on the one captured).</summary>
    public Task<DBusConnection> ConnectAsync() => LeaveReceiveThread(Task.Run(async () =>
    {
        var c = new DBusConnection(Address);
        await c.ConnectAsync();
        return c;
    }));

    /// <summary>
    /// Tmds.DBus.Protocol completes a call's task inline on the connection's receive thread, and an await
    /// without a synchronization context (xunit v3 runs tests without one) goes on right there. A test
    /// that then blocks (Open, Dispose) holds that peer's receive thread: the peer cannot read, so cannot
    /// answer, the very call the test waits for, until it times out. (ConfigureAwait(ForceYielding) does
    /// not help: it only yields on a task already complete.) Every peer call's task goes through here,
    /// so the caller goes on on the pool.
    /// </summary>
    public static Task<T> LeaveReceiveThread<T>(Task<T> call)
    {
        var done = new TaskCompletionSource<T>(TaskCreationOptions.RunContinuationsAsynchronously);
        call.ContinueWith(static (t, state) => ((TaskCompletionSource<T>)state!).SetFromTask(t), done, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        return done.Task;
    }

    public static Task LeaveReceiveThread(Task call)
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        call.ContinueWith(static (t, state) => ((TaskCompletionSource)state!).SetFromTask(t), done, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        return done.Task;
    }

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

    public SensorRun(Presently.Agent.Sensors.IForegroundSensor sensor, TimeSpan? heartbeat = null, TimeSpan? idleThreshold = null)
    {
        var timing = new Presently.Agent.Sensors.SensorTiming(TimeSpan.FromMilliseconds(200), idleThreshold ?? TimeSpan.FromMinutes(3), heartbeat ?? TimeSpan.FromSeconds(1));
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

    /// <param name="context">More to say on failure, read then (a compositor's output).</param>
    public async Task<Presently.Agent.Sensors.ForegroundSample> WaitForAsync(Func<Presently.Agent.Sensors.ForegroundSample, bool> match, string what, double seconds = 10, Func<string>? context = null)
    {
        try
        {
            await Eventually.Until(() => Last is { } s && match(s) || Failure is not null, TimeSpan.FromSeconds(seconds), what);
        }
        catch (TimeoutException ex)
        {
            throw new TimeoutException($"{ex.Message} (last sample: {Last?.ToString() ?? "none"}){(context is null ? "" : "; " + context())}");
        }
        if (Failure is { } failure) throw new InvalidOperationException($"the sensor's Run failed while waiting for {what}", failure);
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
