using Tmds.DBus.Protocol;
using Presently.Agent.Platforms.Linux.SessionBus;
using Presently.Agent.Sensors;

namespace Presently.Agent.Platforms.Linux.Gnome;

/// <summary>
/// The focused window on GNOME Shell (43 and later, Wayland or X11), told by the Presently extension
/// (<see cref="GnomeShellExtension"/>): its <c>FocusChanged(s, s, i)</c> signal on every focus and
/// title change, and <c>FocusedWindow()</c> asked at start and whenever the extension (re)appears on
/// the bus. Idle time comes from the compositor's Wayland idle protocol when Mutter offers one, else
/// from Mutter's IdleMonitor on the bus.
/// </summary>
public sealed class GnomeShellSensor : SessionBusSensor
{
    public const string BusName = "org.presently.Shell";
    public const string ObjectPath = "/org/presently/Shell";
    public const string Interface = "org.presently.Shell";

    private readonly Func<bool> _extensionInstalled;
    private string? _owner;
    private volatile bool _queryWanted;
    private string _state = "not connected yet";
    private bool _seeing;
    private long _rejected;
    private string? _lastRejected;
    private IDisposable? _ownerWatch;
    private IDisposable? _signalWatch;

    private GnomeShellSensor(string address, Func<bool> extensionInstalled, string? waylandSocket, AgentLog log, TimeProvider time) : base(address, waylandSocket, log, time)
    {
        _extensionInstalled = extensionInstalled;
    }

    public override string Name => "gnome-shell";

    private protected override SessionIdle.Source[] IdleSources => [SessionIdle.Source.MutterIdleMonitor, SessionIdle.Source.ScreenSaver];

    /// <summary>
    /// Connects to the session bus (<paramref name="busAddress"/>, default $DBUS_SESSION_BUS_ADDRESS) and
    /// asks the extension for the focused window. Throws <see cref="SensorUnavailableException"/> when
    /// there is no bus, or the extension neither runs nor is installed. Installed but not running yet
    /// (no re-login since install) starts, and says so in status until it appears.
    /// </summary>
    public static GnomeShellSensor Open(AgentLog log, string? busAddress = null, Func<bool>? extensionInstalled = null, TimeProvider? time = null, string? waylandSocket = null)
    {
        var address = busAddress ?? BusCalls.SessionAddress()
            ?? throw new SensorUnavailableException("GNOME Shell sensor: no session D-Bus (DBUS_SESSION_BUS_ADDRESS is not set and XDG_RUNTIME_DIR/bus does not exist)");
        var sensor = new GnomeShellSensor(address, extensionInstalled ?? GnomeShellExtension.IsInstalledForCurrentUser, waylandSocket, log, time ?? TimeProvider.System);
        sensor.Start("GNOME Shell sensor");
        return sensor;
    }

    protected override async Task SetUpAsync(DBusConnection connection)
    {
        _ownerWatch?.Dispose();
        _signalWatch?.Dispose();
        _ownerWatch = await BusCalls.WatchOwnerAsync(connection, BusName, OwnerChanged, _ => { }).ConfigureAwait(false);
        // No sender in the rule (the bus would match a well-known name only while owned): the sender is
        // checked against the extension's current unique name in FocusChanged.
        _signalWatch = await connection.AddMatchAsync(
            new MatchRule { Type = MessageType.Signal, Path = ObjectPath, Interface = Interface, Member = "FocusChanged" },
            static (Message m, object? _) => Read(m),
            (Notification<Reported?> n) => { if (n.HasValue) FocusChanged(n.Value); },
            emitOnCapturedContext: false,
            flags: ObserverFlags.None).ConfigureAwait(false);
        var owner = await BusCalls.OwnerOfAsync(connection, BusName).ConfigureAwait(false);
        Volatile.Write(ref _owner, owner);
        if (owner is null)
        {
            if (!_extensionInstalled())
                throw new SensorUnavailableException($"GNOME Shell sensor: the Presently GNOME Shell extension is not installed: run `presently-agent install`, then log out and back in");
            _state = NotRunning;
            Log.Warn($"gnome-shell: {_state}");
            return;
        }
        await QueryAsync(connection).ConfigureAwait(false);
    }

    private const string NotRunning =
        $"the GNOME Shell extension {GnomeShellExtension.Uuid} is installed but not running: log out and back in once after installing (on Wayland GNOME Shell loads new extensions at login), and check `gnome-extensions info {GnomeShellExtension.Uuid}` says enabled";

    protected override void Maintain(DBusConnection connection)
    {
        if (!_queryWanted) return;
        _queryWanted = false;
        QueryAsync(connection).GetAwaiter().GetResult(); // on the sensor thread: blocking is fine here
    }

    private async Task QueryAsync(DBusConnection connection)
    {
        try
        {
            var reported = await BusCalls.CallAsync(connection, BusCalls.Message(connection, BusName, ObjectPath, Interface, "FocusedWindow"), static (Message m, object? _) => Read(m))
                .ConfigureAwait(false);
            if (reported is null)
            {
                Rejected($"a FocusedWindow answer of type other than (ssi)");
                return;
            }
            _seeing = true;
            _state = "running";
            Publish(reported.ToSample());
        }
        catch (Exception ex) when (BusCalls.IsBusFailure(ex))
        {
            _seeing = false;
            _state = $"the GNOME Shell extension did not answer FocusedWindow ({SessionIdle.Reason(ex)})";
            Log.Warn($"gnome-shell: {_state}");
            Publish(Unknown);
        }
    }

    private void OwnerChanged(string owner)
    {
        Volatile.Write(ref _owner, owner.Length == 0 ? null : owner);
        if (owner.Length == 0)
        {
            _seeing = false;
            _state = "the GNOME Shell extension left the session bus (disabled, or GNOME Shell restarting)";
            Publish(Unknown);
        }
        else
        {
            _queryWanted = true;
            Wake();
        }
    }

    /// <summary>Runs on the connection's thread: must not throw (a throw ends the subscription).</summary>
    private void FocusChanged(Reported? reported)
    {
        if (reported is null)
        {
            Rejected("a FocusChanged signal of type other than (ssi)");
            return;
        }
        if (reported.Sender != Volatile.Read(ref _owner))
        {
            Rejected($"a FocusChanged signal from {reported.Sender}, which is not the extension");
            return;
        }
        _seeing = true;
        _state = "running";
        Publish(reported.ToSample());
    }

    private void Rejected(string what)
    {
        Interlocked.Increment(ref _rejected);
        Volatile.Write(ref _lastRejected, what);
        Log.Warn($"gnome-shell: ignored {what}");
    }

    protected override Capability ExplainWindows()
    {
        var rejected = Interlocked.Read(ref _rejected) is > 0 and var n ? $"; ignored {n} bad message(s), the last {Volatile.Read(ref _lastRejected)}" : "";
        if (!_seeing) return Capability.No("titles", _state + rejected);
        return rejected.Length == 0 ? Capability.Yes("titles") : Capability.No("titles", $"only from the extension{rejected}");
    }

    protected override void TearDown(DBusConnection connection)
    {
        _signalWatch?.Dispose();
        _ownerWatch?.Dispose();
    }

    private static Reported? Read(Message m)
    {
        try
        {
            if (m.SignatureAsString != "ssi") return null;
            var reader = m.GetBodyReader();
            return new Reported(m.SenderAsString ?? "", reader.ReadString(), reader.ReadString(), reader.ReadInt32());
        }
        catch (Exception ex) when (BusCalls.IsBusFailure(ex))
        {
            return null;
        }
    }

    private sealed record Reported(string Sender, string WmClass, string Title, int Pid)
    {
        public ForegroundSample ToSample()
        {
            if (WmClass.Length == 0 && Title.Length == 0 && Pid <= 0) return Unknown;
            var pid = Pid > 0 ? Pid : (int?)null;
            var process = ProcFs.ProcessName(pid);
            return new ForegroundSample(WmClass.Length > 0 ? WmClass : process, Title.Length > 0 ? Title : null, process, null, pid);
        }
    }
}
