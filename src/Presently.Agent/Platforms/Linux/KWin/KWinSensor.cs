using Tmds.DBus.Protocol;
using Presently.Agent.Platforms.Linux.SessionBus;
using Presently.Agent.Sensors;

namespace Presently.Agent.Platforms.Linux.KWin;

/// <summary>
/// The active window on KDE Plasma (5.27 and 6, Wayland or X11), told by a KWin script the agent
/// loads over D-Bus (<c>org.kde.KWin /Scripting loadScript</c>) and unloads on stop. The script calls
/// back <see cref="KWinScript.CallbackMethod"/> on this connection's unique name on every activation
/// and caption change. When KWin restarts (it takes its scripts with it) the script is loaded again.
/// Idle time comes from KWin's Wayland idle protocol (ext-idle-notify-v1) on Wayland; on X11, from
/// org.freedesktop.ScreenSaver, which Plasma implements (it answers NotSupported on Wayland).
/// </summary>
public sealed class KWinSensor : SessionBusSensor
{
    private const string KWinName = "org.kde.KWin";

    private readonly string _scriptDirectory;
    private string? _kwinOwner;
    private volatile bool _reloadWanted;
    private string? _scriptPath;
    private string _scriptState = "the script is not loaded yet";
    private DateTimeOffset? _loadedAt;
    private long _callbacks;
    private long _rejected;
    private string? _lastRejected;
    private IDisposable? _ownerWatch;

    private KWinSensor(string address, string scriptDirectory, string? waylandSocket, AgentLog log, TimeProvider time) : base(address, waylandSocket, log, time)
    {
        _scriptDirectory = scriptDirectory;
    }

    public override string Name => "kwin";

    private protected override SessionIdle.Source[] IdleSources => [SessionIdle.Source.ScreenSaver, SessionIdle.Source.MutterIdleMonitor];

    /// <summary>
    /// Connects to the session bus (<paramref name="busAddress"/>, default $DBUS_SESSION_BUS_ADDRESS),
    /// loads the script into KWin and starts; throws <see cref="SensorUnavailableException"/> saying
    /// why when there is no bus, no KWin on it, or KWin refuses the script.
    /// </summary>
    public static KWinSensor Open(AgentLog log, string? busAddress = null, string? scriptDirectory = null, TimeProvider? time = null, string? waylandSocket = null)
    {
        var address = busAddress ?? BusCalls.SessionAddress()
            ?? throw new SensorUnavailableException("KWin sensor: no session D-Bus (DBUS_SESSION_BUS_ADDRESS is not set and XDG_RUNTIME_DIR/bus does not exist)");
        var sensor = new KWinSensor(address, scriptDirectory ?? KWinScript.DefaultDirectory(), waylandSocket, log, time ?? TimeProvider.System);
        sensor.Start("KWin sensor");
        return sensor;
    }

    protected override async Task SetUpAsync(DBusConnection connection)
    {
        _ownerWatch?.Dispose();
        _ownerWatch = await BusCalls.WatchOwnerAsync(connection, KWinName, OwnerChanged, _ => { }).ConfigureAwait(false);
        connection.AddMethodHandler(new KWinCallback(() => Volatile.Read(ref _kwinOwner), Delivered, Rejected));
        var owner = await BusCalls.OwnerOfAsync(connection, KWinName).ConfigureAwait(false)
            ?? throw new SensorUnavailableException("KWin sensor: nobody owns org.kde.KWin on the session bus: this is not a KDE Plasma session, or KWin is not running");
        Volatile.Write(ref _kwinOwner, owner);
        await LoadScriptAsync(connection).ConfigureAwait(false);
    }

    protected override void Maintain(DBusConnection connection)
    {
        if (!_reloadWanted) return;
        _reloadWanted = false;
        try
        {
            LoadScriptAsync(connection).GetAwaiter().GetResult();
        }
        catch (Exception ex) when (BusCalls.IsBusFailure(ex) || ex is SensorUnavailableException)
        {
            _scriptState = $"KWin restarted and loading the script again failed ({SessionIdle.Reason(ex)}); the agent tries again when KWin next appears";
            Log.Warn($"kwin: {_scriptState}");
        }
    }

    private async Task LoadScriptAsync(DBusConnection connection)
    {
        _loadedAt = null;
        _scriptPath = KWinScript.Write(_scriptDirectory, connection.UniqueName ?? throw new InvalidOperationException("the connection has no unique name"));
        // A script of this name left by an agent that was killed would make loadScript answer -1.
        await BusCalls.CallAsync(connection, Scripting(connection, "unloadScript", KWinScript.PluginName), static (Message m, object? _) => true).ConfigureAwait(false);
        int id;
        try
        {
            id = await BusCalls.CallAsync(connection, Scripting(connection, "loadScript", _scriptPath, KWinScript.PluginName), static (Message m, object? _) =>
                m.SignatureAsString == "i" ? m.GetBodyReader().ReadInt32() : throw new InvalidOperationException($"loadScript answered type '{m.SignatureAsString}'")).ConfigureAwait(false);
        }
        catch (Exception ex) when (BusCalls.IsBusFailure(ex))
        {
            _scriptState = $"KWin did not load the script ({SessionIdle.Reason(ex)})";
            throw new SensorUnavailableException($"KWin sensor: {_scriptState}");
        }
        if (id < 0)
        {
            _scriptState = $"KWin refused the script (loadScript returned {id})";
            throw new SensorUnavailableException($"KWin sensor: {_scriptState}");
        }
        await RunScriptAsync(connection, id).ConfigureAwait(false);
        _loadedAt = Time.GetUtcNow();
        _scriptState = "loaded";
        Log.Info($"kwin: script {_scriptPath} loaded as {KWinScript.PluginName} (id {id}); KWin calls back {connection.UniqueName}");
    }

    /// <summary>Plasma 6 puts a loaded script at /Scripting/Script&lt;id&gt;, Plasma 5 at /&lt;id&gt;; start() runs every loaded script on both.</summary>
    private static async Task RunScriptAsync(DBusConnection connection, int id)
    {
        foreach (var path in new[] { $"/Scripting/Script{id}", $"/{id}" })
        {
            try
            {
                await BusCalls.CallAsync(connection, BusCalls.Message(connection, KWinName, path, "org.kde.kwin.Script", "run")).ConfigureAwait(false);
                return;
            }
            catch (DBusErrorReplyException)
            {
            }
        }
        await BusCalls.CallAsync(connection, Scripting(connection, "start")).ConfigureAwait(false);
    }

    private static MessageBuffer Scripting(DBusConnection connection, string member, params string[] args) =>
        BusCalls.Message(connection, KWinName, "/Scripting", "org.kde.kwin.Scripting", member, args);

    private void OwnerChanged(string owner)
    {
        Volatile.Write(ref _kwinOwner, owner.Length == 0 ? null : owner);
        if (owner.Length == 0)
        {
            _loadedAt = null;
            _scriptState = "KWin left the session bus (it stopped or is restarting); the script is loaded again when it is back";
            Publish(Unknown);
        }
        else
        {
            _reloadWanted = true;
            Wake();
        }
    }

    private void Delivered(string resourceClass, string caption, int pid)
    {
        Interlocked.Increment(ref _callbacks);
        if (resourceClass.Length == 0 && caption.Length == 0 && pid == 0)
        {
            Publish(Unknown); // no active window (the desktop, a locked screen)
            return;
        }
        var process = ProcFs.ProcessName(pid);
        Publish(new ForegroundSample(resourceClass.Length > 0 ? resourceClass : process, caption.Length > 0 ? caption : null, process, null, pid > 0 ? pid : null));
    }

    private void Rejected(string what)
    {
        Interlocked.Increment(ref _rejected);
        Volatile.Write(ref _lastRejected, what);
        Log.Warn($"kwin: ignored {what}");
    }

    protected override Capability ExplainWindows()
    {
        var rejected = Interlocked.Read(ref _rejected) is > 0 and var n ? $"; ignored {n} bad call(s), the last {Volatile.Read(ref _lastRejected)}" : "";
        if (_loadedAt is null) return Capability.No("titles", _scriptState + rejected);
        if (Interlocked.Read(ref _callbacks) == 0)
            return Capability.No("titles", $"KWin loaded the script at {_loadedAt:HH:mm:ss} UTC but it has not called back (are scripts disabled in KWin, or is D-Bus denied to them?){rejected}");
        return rejected.Length == 0 ? Capability.Yes("titles") : Capability.No("titles", $"only from KWin{rejected}");
    }

    protected override void TearDown(DBusConnection connection)
    {
        _ownerWatch?.Dispose();
        if (_loadedAt is not null)
            BusCalls.CallAsync(connection, Scripting(connection, "unloadScript", KWinScript.PluginName), static (Message m, object? _) => true).GetAwaiter().GetResult();
        if (_scriptPath is not null) File.Delete(_scriptPath);
    }
}
