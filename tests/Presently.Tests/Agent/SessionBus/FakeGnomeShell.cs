using Presently.Tests.Fixtures;
using Tmds.DBus.Protocol;

namespace Presently.Tests.Agent.SessionBus;

/// <summary>
/// GNOME Shell's side of the recorded conversation: the Presently extension's org.presently.Shell
/// (FocusedWindow, FocusChanged) and Mutter's org.gnome.Mutter.IdleMonitor, as GNOME Shell 43 answers them.
/// </summary>
public sealed class FakeGnomeShell : IAsyncDisposable
{
    private readonly DBusConnection _connection;

    private FakeGnomeShell(DBusConnection connection) => _connection = connection;

    /// <summary>What FocusedWindow answers.</summary>
    public (string WmClass, string Title, int Pid) Focused { get; set; } = ("", "", 0);

    public ulong IdleMilliseconds { get; set; } = 1234;

    public int FocusedWindowCalls;

    public string UniqueName => _connection.UniqueName!;

    /// <param name="extension">Own org.presently.Shell (the extension is enabled and running).</param>
    /// <param name="mutter">Own org.gnome.Mutter.IdleMonitor.</param>
    public static Task<FakeGnomeShell> StartAsync(PrivateBus bus, bool extension = true, bool mutter = true) =>
        PrivateBus.LeaveReceiveThread(Task.Run(async () =>
        {
            var shell = new FakeGnomeShell(await bus.ConnectAsync());
            shell._connection.AddMethodHandler(new PeerObject("/org/presently/Shell", c =>
            {
                if (c.Request.MemberAsString != "FocusedWindow")
                {
                    c.ReplyUnknownMethodError();
                    return true;
                }
                Interlocked.Increment(ref shell.FocusedWindowCalls);
                using var w = c.CreateReplyWriter("ssi");
                w.WriteString(shell.Focused.WmClass);
                w.WriteString(shell.Focused.Title);
                w.WriteInt32(shell.Focused.Pid);
                c.Reply(w.CreateMessage());
                return true;
            }));
            shell._connection.AddMethodHandler(new PeerObject("/org/gnome/Mutter/IdleMonitor/Core", c =>
            {
                using var w = c.CreateReplyWriter("t");
                w.WriteUInt64(shell.IdleMilliseconds);
                c.Reply(w.CreateMessage());
                return true;
            }));
            if (mutter) await shell._connection.RequestNameAsync("org.gnome.Mutter.IdleMonitor", RequestNameOptions.Default);
            if (extension) await shell._connection.RequestNameAsync("org.presently.Shell", RequestNameOptions.Default);
            return shell;
        }));

    /// <summary>The extension's FocusChanged(s, s, i) signal; also sets what FocusedWindow answers.</summary>
    public void FocusChanged(string wmClass, string title, int pid)
    {
        Focused = (wmClass, title, pid);
        Emit(_connection, (ref MessageWriter w) =>
        {
            w.WriteString(wmClass);
            w.WriteString(title);
            w.WriteInt32(pid);
        }, "ssi");
    }

    /// <summary>FocusChanged with other argument types, as a broken extension would send.</summary>
    public void GarbageFocusChanged() => Emit(_connection, (ref MessageWriter w) => w.WriteString("evil"), "s");

    // MessageWriter is a ref struct: by ref, or the body is written into a copy and the message is malformed.
    internal delegate void WriteBody(ref MessageWriter writer);

    internal static void Emit(DBusConnection connection, WriteBody body, string signature)
    {
        var w = connection.GetMessageWriter();
        w.WriteSignalHeader(path: "/org/presently/Shell", @interface: "org.presently.Shell", member: "FocusChanged", signature: signature);
        body(ref w);
        connection.TrySendMessage(w.CreateMessage());
        w.Dispose();
    }

    /// <summary>Waits until the bus has passed on what was sent before (a round trip to the bus daemon).</summary>
    public Task FlushAsync() => PrivateBus.LeaveReceiveThread(_connection.CallMethodAsync(
        Presently.Agent.Platforms.Linux.SessionBus.BusCalls.Message(_connection, "org.freedesktop.DBus", "/org/freedesktop/DBus", "org.freedesktop.DBus", "GetId")));

    /// <summary>Leaves the bus, as the Shell does when the extension is disabled or the Shell restarts.</summary>
    public ValueTask DisposeAsync()
    {
        _connection.Dispose();
        return ValueTask.CompletedTask;
    }
}
