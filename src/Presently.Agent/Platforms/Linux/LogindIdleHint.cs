using System.Runtime.InteropServices;
using Tmds.DBus.Protocol;
using Presently.Agent.Interop.Linux;
using Presently.Agent.Platforms.Linux.SessionBus;
using Presently.Agent.Sensors;

namespace Presently.Agent.Platforms.Linux;

/// <summary>
/// Idle time from this login session's <c>IdleHint</c> / <c>IdleSinceHint</c> in systemd-logind, the
/// last resort on a compositor without an idle protocol. The desktop sets the hint (swayidle's
/// <c>idlehint</c>, gnome-session) after its own delay, so idle is seen from that delay on, not from
/// the agent's threshold: before it, the session counts as active. A PropertiesChanged signal only
/// wakes the sensor (an eventfd); the properties are read on the sensor thread, each call bounded.
/// </summary>
internal sealed class LogindIdleHint : IIdleSource
{
    private const string Login1 = LogindEvents.Login1;
    private const string SessionInterface = LogindEvents.SessionInterface;
    private const string Properties = "org.freedesktop.DBus.Properties";

    private readonly string _address;
    private readonly TimeProvider _time;
    private readonly AgentLog? _log;
    private readonly SafeEventFdHandle _changed = LibC.CreateEventFd();
    private DBusConnection? _connection;
    private IDisposable? _watch;
    private string _session = "";
    private DateTimeOffset? _idleSince;
    private TimeSpan _threshold = TimeSpan.MaxValue;
    private volatile string? _broken;

    private LogindIdleHint(string address, TimeProvider time, AgentLog? log)
    {
        _address = address;
        _time = time;
        _log = log;
    }

    /// <summary>Connects to logind on the system bus and reads the hint once; returns the source, or null and why there is none.</summary>
    public static (IIdleSource? Idle, string? Why) Open(string? systemBusAddress, TimeProvider time, AgentLog? log)
    {
        var address = string.IsNullOrWhiteSpace(systemBusAddress) ? DBusAddress.System : systemBusAddress;
        if (address is null) return (null, "no system D-Bus for logind's IdleHint");
        var source = new LogindIdleHint(address, time, log);
        try
        {
            Task.Run(source.ConnectAsync).GetAwaiter().GetResult();
            return (source, null);
        }
        catch (Exception ex) when (BusCalls.IsBusFailure(ex) || ex is NotSupportedException)
        {
            source.Dispose();
            return (null, ex is NotSupportedException ? ex.Message : $"logind's IdleHint cannot be read ({SessionIdle.Reason(ex)})");
        }
    }

    public SafeHandle? WaitHandle => _connection is null ? null : _changed;

    public TimeSpan? Idle =>
        _connection is null ? null
        : _idleSince is { } since ? _time.GetUtcNow() - since
        : TimeSpan.Zero;

    public Capability Explain() => _broken is { } why ? Capability.No("idle", why) : Capability.Yes("idle");

    public void Start(TimeSpan threshold) => _threshold = threshold;

    public bool Read()
    {
        LibC.Drain(_changed);
        if (_connection is not { } connection) return false;
        var before = Idle >= _threshold;
        try
        {
            Apply(ReadHintAsync(connection, _session).GetAwaiter().GetResult());
        }
        catch (Exception ex) when (BusCalls.IsBusFailure(ex))
        {
            Broke($"logind stopped answering ({SessionIdle.Reason(ex)})");
            return true;
        }
        return before != Idle >= _threshold;
    }

    public bool Reconnect()
    {
        if (_connection is not null) return true;
        try
        {
            Task.Run(ConnectAsync).GetAwaiter().GetResult();
            _log?.Info("idle: reading logind's IdleHint again");
            return true;
        }
        catch (Exception ex) when (BusCalls.IsBusFailure(ex) || ex is NotSupportedException)
        {
            Broke($"logind's IdleHint cannot be read again ({SessionIdle.Reason(ex)})");
            return false;
        }
    }

    private async Task ConnectAsync()
    {
        var connection = await BusCalls.ConnectAsync(_address).ConfigureAwait(false);
        try
        {
            var session = await LogindEvents.FindSessionPathAsync(connection).ConfigureAwait(false)
                ?? throw new NotSupportedException("this process belongs to no logind session, so there is no IdleHint to read");
            _watch = await connection.AddMatchAsync(
                new MatchRule { Type = MessageType.Signal, Path = session, Interface = Properties, Member = "PropertiesChanged", Arg0 = SessionInterface },
                static (Message m, object? _) => true,
                (Notification<bool> n) =>
                {
                    if (n.IsCompletion) _broken = $"the system bus connection was lost ({n.CompletionReason?.Message ?? n.Type.ToString()})";
                    Wake();
                },
                emitOnCapturedContext: false,
                flags: ObserverFlags.EmitOnConnectionClosed | ObserverFlags.EmitOnConnectionFailed).ConfigureAwait(false);
            Apply(await ReadHintAsync(connection, session).ConfigureAwait(false));
            _session = session;
            _connection = connection;
            _broken = null;
        }
        catch
        {
            _watch?.Dispose();
            connection.Dispose();
            throw;
        }
    }

    private void Wake()
    {
        try
        {
            LibC.Signal(_changed);
        }
        catch (ObjectDisposedException)
        {
            // Disposed while the signal was on its way.
        }
    }

    /// <summary>
    /// Keeps when the session went idle, or null while it is not. A time that is missing or later than
    /// now (another clock's idea of it) counts from when the hint was first seen.
    /// </summary>
    private void Apply((bool Idle, DateTimeOffset? Since) hint)
    {
        var now = _time.GetUtcNow();
        _idleSince = !hint.Idle ? null
            : hint.Since is { } since && since <= now ? since
            : _idleSince ?? now;
    }

    /// <summary>IdleHint, and IdleSinceHint (µs of wall-clock time) when it is set.</summary>
    private static async Task<(bool Idle, DateTimeOffset? Since)> ReadHintAsync(DBusConnection connection, string session)
    {
        var (idle, sinceMicros) = await BusCalls.CallAsync(connection, BusCalls.Message(connection, Login1, session, Properties, "GetAll", SessionInterface), static (Message m, object? _) =>
        {
            if (m.SignatureAsString != "a{sv}") throw new InvalidOperationException($"unexpected answer of type '{m.SignatureAsString}'");
            var properties = m.GetBodyReader().ReadDictionaryOfStringToVariantValue();
            if (!properties.TryGetValue("IdleHint", out var hint) || hint.Type != VariantValueType.Bool)
                throw new NotSupportedException("logind's session has no IdleHint");
            var since = properties.TryGetValue("IdleSinceHint", out var s) && s.Type == VariantValueType.UInt64 ? s.GetUInt64() : 0UL;
            return (hint.GetBool(), since);
        }).ConfigureAwait(false);
        return (idle, sinceMicros is > 0 and < 253_402_300_799_000_000UL ? DateTimeOffset.FromUnixTimeMilliseconds((long)(sinceMicros / 1000)) : null);
    }

    private void Broke(string why)
    {
        if (_broken is null) _log?.Warn($"idle: {why}; idle time is unknown until logind answers again");
        _broken = $"{why}; idle time is unknown until it answers again";
        Close();
    }

    private void Close()
    {
        _watch?.Dispose();
        _watch = null;
        _connection?.Dispose();
        _connection = null;
    }

    public void Dispose()
    {
        Close();
        _changed.Dispose();
    }
}
