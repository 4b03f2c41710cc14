using System.Globalization;
using System.Text;
using Tmds.DBus.Protocol;
using Presently.Agent.Sensors;

namespace Presently.Agent.Platforms.Linux;

/// <summary>
/// Sleep and screen lock from systemd-logind over the system D-Bus: the manager's
/// <c>PrepareForSleep(b)</c> and this session's <c>Lock</c>/<c>Unlock</c>. Where there is no bus or
/// no logind, the agent still notices sleep from the gap in its samples (see SpanBuilder).
/// </summary>
public sealed class LogindEvents : ISystemEventSource
{
    internal const string Login1 = "org.freedesktop.login1";
    private const string ManagerPath = "/org/freedesktop/login1";
    private const string ManagerInterface = "org.freedesktop.login1.Manager";
    internal const string SessionInterface = "org.freedesktop.login1.Session";
    private const ObserverFlags Flags = ObserverFlags.EmitOnConnectionClosed | ObserverFlags.EmitOnConnectionFailed;

    private readonly string? _address;
    private readonly AgentLog _log;
    private readonly List<IDisposable> _subscriptions = [];
    private DBusConnection? _connection;

    public LogindEvents(string? address, AgentLog log)
    {
        _address = string.IsNullOrWhiteSpace(address) ? DBusAddress.System : address;
        _log = log;
    }

    public string Name => "logind";

    private string? _unavailable;
    private bool _watchesLock;

    public IReadOnlyList<Capability> Explain(bool started) => started
        ? [_watchesLock ? Capability.Yes("lock") : Capability.No("lock", "this process belongs to no logind session"), Capability.Yes("sleep")]
        : [Capability.No("lock", _unavailable ?? "logind is not available"),
           Capability.No("sleep", $"{_unavailable ?? "logind is not available"}; a sleep shows as a gap between samples and ends the span")];

    public async Task<bool> StartAsync(Action<SystemEvent> onEvent, CancellationToken ct)
    {
        if (_address is null)
        {
            _log.Info("no system D-Bus: sleep is detected from gaps between samples, screen lock is not");
            _unavailable = "no system D-Bus";
            return false;
        }
        try
        {
            _connection = new DBusConnection(_address);
            await _connection.ConnectAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(5), ct);

            // No sender filter: on a test bus nobody owns org.freedesktop.login1. On the real system
            // bus only logind emits these; a spoofed one could only end a span early.
            _subscriptions.Add(await _connection.AddMatchAsync(
                new MatchRule { Type = MessageType.Signal, Path = ManagerPath, Interface = ManagerInterface, Member = "PrepareForSleep" },
                static (Message m, object? _) => m.SignatureAsString == "b" ? m.GetBodyReader().ReadBool() : (bool?)null,
                (Notification<bool?> n) => Deliver(n, v => onEvent(v ? SystemEvent.Sleeping : SystemEvent.Woke)),
                emitOnCapturedContext: false, flags: Flags));

            var session = await FindSessionPathAsync(_connection);
            if (session is null)
            {
                _log.Info("logind: this process belongs to no login session; screen lock is not watched");
            }
            else
            {
                foreach (var (member, e) in new[] { ("Lock", SystemEvent.Locked), ("Unlock", SystemEvent.Unlocked) })
                {
                    _subscriptions.Add(await _connection.AddMatchAsync(
                        new MatchRule { Type = MessageType.Signal, Path = session, Interface = SessionInterface, Member = member },
                        static (Message m, object? _) => (bool?)true,
                        (Notification<bool?> n) => Deliver(n, _ => onEvent(e)),
                        emitOnCapturedContext: false, flags: Flags));
                }
            }
            _watchesLock = session is not null;
            _log.Info($"logind: watching sleep{(session is null ? "" : $" and lock of {session}")} on {_address}");
            return true;
        }
        catch (Exception ex) when (ex is DBusExceptionBase or IOException or TimeoutException or InvalidOperationException or UnauthorizedAccessException or System.Net.Sockets.SocketException)
        {
            _log.Info($"logind not reachable ({ex.Message}); sleep is detected from gaps between samples");
            _unavailable = $"logind not reachable ({ex.Message})";
            await DisposeAsync();
            return false;
        }
    }

    public ValueTask DisposeAsync()
    {
        foreach (var s in _subscriptions) s.Dispose();
        _subscriptions.Clear();
        _connection?.Dispose();
        _connection = null;
        return ValueTask.CompletedTask;
    }

    /// <summary>Handlers run on the connection's receive thread and must never throw: a throw drops the connection.</summary>
    private void Deliver(Notification<bool?> n, Action<bool> handle)
    {
        try
        {
            if (n.IsCompletion)
            {
                _log.Warn($"logind connection ended ({n.Type}); sleep is detected from gaps between samples from now on");
                return;
            }
            if (n.Value is { } value) handle(value);
        }
        catch (Exception ex)
        {
            _log.Warn($"logind signal ignored: {ex.Message}");
        }
    }

    /// <summary>This process's login session (asked of logind, else from XDG_SESSION_ID), or null when it has none.</summary>
    internal static async Task<string?> FindSessionPathAsync(DBusConnection connection)
    {
        try
        {
            var path = await connection.CallMethodAsync(GetSessionByPid(connection), static (Message m, object? _) => m.GetBodyReader().ReadObjectPath().ToString())
                .WaitAsync(TimeSpan.FromSeconds(3));
            return path;
        }
        catch (Exception ex) when (ex is DBusExceptionBase or TimeoutException)
        {
            return Environment.GetEnvironmentVariable("XDG_SESSION_ID") is { Length: > 0 and <= 64 } id ? SessionPath(id) : null;
        }
    }

    private static MessageBuffer GetSessionByPid(DBusConnection connection)
    {
        using var writer = connection.GetMessageWriter();
        writer.WriteMethodCallHeader(destination: Login1, path: ManagerPath, @interface: ManagerInterface, member: "GetSessionByPID", signature: "u");
        writer.WriteUInt32((uint)Environment.ProcessId);
        return writer.CreateMessage();
    }

    /// <summary>logind's object path for a session id, escaped the way sd-bus does (a leading digit is escaped too).</summary>
    public static string SessionPath(string id)
    {
        var sb = new StringBuilder("/org/freedesktop/login1/session/");
        for (var i = 0; i < id.Length; i++)
        {
            var c = id[i];
            if (char.IsAsciiLetter(c) || (char.IsAsciiDigit(c) && i > 0)) sb.Append(c);
            else foreach (var b in Encoding.UTF8.GetBytes(c.ToString())) sb.Append('_').Append(b.ToString("x2", CultureInfo.InvariantCulture));
        }
        return sb.ToString();
    }
}
