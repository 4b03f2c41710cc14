using Tmds.DBus.Protocol;
using Presently.Agent.Sensors;

namespace Presently.Agent.Platforms.Linux.SessionBus;

/// <summary>
/// Time since the last input, asked over the session bus: GNOME's Mutter IdleMonitor
/// (<c>GetIdletime → t</c> ms) or the freedesktop ScreenSaver that KDE implements
/// (<c>GetSessionIdleTime → u</c> ms). Which one answers is found once at start; a peer that stops
/// answering is not asked again for a while, so a hung peer costs one timeout per back-off, not per sample.
/// </summary>
internal sealed class SessionIdle
{
    public enum Source
    {
        MutterIdleMonitor,
        ScreenSaver,
    }

    private static readonly TimeSpan BackOff = TimeSpan.FromSeconds(30);

    private readonly DBusConnection _connection;
    private readonly TimeProvider _time;
    private Source? _source;
    private string _why = "not asked yet";
    private DateTimeOffset _retryAt = DateTimeOffset.MinValue;

    private SessionIdle(DBusConnection connection, TimeProvider time)
    {
        _connection = connection;
        _time = time;
    }

    public bool Available => _source is not null;

    public Capability Explain() =>
        _source is { } s && _retryAt <= _time.GetUtcNow()
            ? Capability.Yes("idle")
            : Capability.No("idle", _why);

    /// <summary>Tries the sources in <paramref name="order"/> and keeps the first that answers.</summary>
    public static async Task<SessionIdle> ProbeAsync(DBusConnection connection, TimeProvider time, params Source[] order)
    {
        var idle = new SessionIdle(connection, time);
        var reasons = new List<string>();
        foreach (var source in order)
        {
            try
            {
                await idle.AskAsync(source).ConfigureAwait(false);
                idle._source = source;
                return idle;
            }
            catch (Exception ex) when (BusCalls.IsBusFailure(ex))
            {
                reasons.Add($"{Describe(source)}: {Reason(ex)}");
            }
        }
        idle._why = "nothing on the session bus tells the idle time (" + string.Join("; ", reasons) + ")";
        return idle;
    }

    /// <summary>Adds what else was tried to the explanation when nothing answers.</summary>
    public void AlsoTried(string what) => _why += $"; {what}";

    /// <summary>The idle time, or null when unknown (no source, or the source failed just now or recently).</summary>
    public TimeSpan? Read()
    {
        if (_source is not { } source || _time.GetUtcNow() < _retryAt) return null;
        try
        {
            return AskAsync(source).GetAwaiter().GetResult();
        }
        catch (Exception ex) when (BusCalls.IsBusFailure(ex))
        {
            _why = $"{Describe(source)} stopped answering ({Reason(ex)}); asking again every {BackOff.TotalSeconds:0} s";
            _retryAt = _time.GetUtcNow() + BackOff;
            return null;
        }
    }

    private async Task<TimeSpan> AskAsync(Source source)
    {
        var call = source == Source.MutterIdleMonitor
            ? BusCalls.Message(_connection, "org.gnome.Mutter.IdleMonitor", "/org/gnome/Mutter/IdleMonitor/Core", "org.gnome.Mutter.IdleMonitor", "GetIdletime")
            : BusCalls.Message(_connection, "org.freedesktop.ScreenSaver", "/ScreenSaver", "org.freedesktop.ScreenSaver", "GetSessionIdleTime");
        var ms = await BusCalls.CallAsync(_connection, call, static (Message m, object? _) => ReadMilliseconds(m)).ConfigureAwait(false);
        return TimeSpan.FromMilliseconds(ms);
    }

    /// <summary>Accepts the documented type and nothing else: a garbage answer is a failure, not a number.</summary>
    private static double ReadMilliseconds(Message m)
    {
        var reader = m.GetBodyReader();
        var ms = m.SignatureAsString switch
        {
            "t" => (double)reader.ReadUInt64(),
            "u" => reader.ReadUInt32(),
            _ => throw new InvalidOperationException($"unexpected answer of type '{m.SignatureAsString}'"),
        };
        // More than 10 years idle is not an idle time.
        return ms <= TimeSpan.FromDays(3650).TotalMilliseconds ? ms : throw new InvalidOperationException($"implausible idle time {ms} ms");
    }

    private static string Describe(Source source) => source == Source.MutterIdleMonitor
        ? "org.gnome.Mutter.IdleMonitor GetIdletime"
        : "org.freedesktop.ScreenSaver GetSessionIdleTime";

    internal static string Reason(Exception ex) => ex switch
    {
        TimeoutException => $"no answer within {BusCalls.Timeout.TotalSeconds:0} s",
        DBusErrorReplyException e => $"{e.ErrorName}: {e.ErrorMessage}",
        _ => ex.Message,
    };
}
