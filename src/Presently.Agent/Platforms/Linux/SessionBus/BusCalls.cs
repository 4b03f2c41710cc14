using Tmds.DBus.Protocol;

namespace Presently.Agent.Platforms.Linux.SessionBus;

/// <summary>
/// Session bus calls that never wait forever: a peer that does not answer (a hung compositor, a
/// shell stuck in a modal) costs the caller at most <see cref="Timeout"/>.
/// Tmds.DBus.Protocol completes a call's task inline on the connection's receive thread, so code after
/// an await with ConfigureAwait(false) runs there: it must never block on another call on the same
/// connection (the reply could only be read by the thread it blocks). Block only on the sensor thread
/// or the thread calling Open.
/// </summary>
internal static class BusCalls
{
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(3);

    /// <summary>Exceptions that mean "the bus or the peer failed", as opposed to a bug here.</summary>
    public static bool IsBusFailure(Exception ex) =>
        ex is DBusExceptionBase or IOException or TimeoutException or InvalidOperationException or UnauthorizedAccessException
            or System.Net.Sockets.SocketException or ObjectDisposedException or ArgumentException or IndexOutOfRangeException;

    public static async Task<DBusConnection> ConnectAsync(string address)
    {
        var connection = new DBusConnection(address);
        try
        {
            await connection.ConnectAsync().AsTask().WaitAsync(Timeout).ConfigureAwait(false);
            return connection;
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }

    public static Task<T> CallAsync<T>(DBusConnection connection, MessageBuffer call, MessageValueReader<T> reader) =>
        connection.CallMethodAsync(call, reader).WaitAsync(Timeout);

    public static Task CallAsync(DBusConnection connection, MessageBuffer call) =>
        connection.CallMethodAsync(call).WaitAsync(Timeout);

    /// <summary>The unique name that owns <paramref name="name"/>, or null when nobody does.</summary>
    public static async Task<string?> OwnerOfAsync(DBusConnection connection, string name)
    {
        try
        {
            return await CallAsync(connection, Message(connection, "org.freedesktop.DBus", "/org/freedesktop/DBus", "org.freedesktop.DBus", "GetNameOwner", name), static (Message m, object? _) => m.GetBodyReader().ReadString()).ConfigureAwait(false);
        }
        catch (DBusErrorReplyException ex) when (ex.ErrorName == "org.freedesktop.DBus.Error.NameHasNoOwner")
        {
            return null;
        }
    }

    /// <summary>A method call whose arguments are all strings (none is fine).</summary>
    public static MessageBuffer Message(DBusConnection connection, string destination, string path, string @interface, string member, params string[] args)
    {
        using var writer = connection.GetMessageWriter();
        writer.WriteMethodCallHeader(destination: destination, path: path, @interface: @interface, member: member, signature: args.Length == 0 ? null : new string('s', args.Length));
        foreach (var a in args) writer.WriteString(a);
        return writer.CreateMessage();
    }

    /// <summary>Calls <paramref name="onChange"/> with the new owner ("" when gone) whenever <paramref name="name"/> changes hands.</summary>
    public static ValueTask<IDisposable> WatchOwnerAsync(DBusConnection connection, string name, Action<string> onChange, Action<string> onBusLost) =>
        connection.AddMatchAsync(
            new MatchRule { Type = MessageType.Signal, Sender = "org.freedesktop.DBus", Interface = "org.freedesktop.DBus", Member = "NameOwnerChanged", Arg0 = name },
            static (Message m, object? _) =>
            {
                var reader = m.GetBodyReader();
                reader.ReadString();
                reader.ReadString();
                return reader.ReadString();
            },
            (Notification<string> n) =>
            {
                if (n.IsCompletion) onBusLost(n.CompletionReason?.Message ?? n.Type.ToString());
                else if (n.HasValue) onChange(n.Value);
            },
            emitOnCapturedContext: false,
            flags: ObserverFlags.EmitOnConnectionClosed | ObserverFlags.EmitOnConnectionFailed);

    /// <summary>The session bus address of this login, or null (no session bus: a bare console, a service without one).</summary>
    public static string? SessionAddress() => DBusAddress.Session;
}
