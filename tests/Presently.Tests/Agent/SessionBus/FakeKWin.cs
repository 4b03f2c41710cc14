using Presently.Tests.Fixtures;
using System.Collections.Concurrent;
using Tmds.DBus.Protocol;

namespace Presently.Tests.Agent.SessionBus;

/// <summary>
/// KWin's side of the recorded conversation: owns org.kde.KWin (and org.freedesktop.ScreenSaver),
/// answers /Scripting loadScript, run and unloadScript as KWin 5.27 does, keeps the script text it
/// was given, and calls the agent back the way the script's callDBus does.
/// </summary>
public sealed class FakeKWin : IAsyncDisposable
{
    private readonly DBusConnection _connection;

    public ConcurrentQueue<string> Calls { get; } = new();

    public string? ScriptText { get; private set; }

    public string? ScriptPath { get; private set; }

    /// <summary>What loadScript answers; null: never answer.</summary>
    public int? LoadScriptAnswer { get; set; } = 7;

    public uint IdleMilliseconds { get; set; } = 1234;

    /// <summary>The path run() is answered on: Plasma 5 puts scripts at /&lt;id&gt;.</summary>
    public bool Plasma5Paths { get; set; }

    private FakeKWin(DBusConnection connection) => _connection = connection;

    // Set up off the test's synchronization context: the peer must answer while a test thread blocks in Open.
    // Its task completes on the peer's receive thread (the RequestName reply): see PrivateBus.LeaveReceiveThread.
    public static Task<FakeKWin> StartAsync(PrivateBus bus, bool screenSaver = true) => PrivateBus.LeaveReceiveThread(Task.Run(() => StartOffContextAsync(bus, screenSaver)));

    private static async Task<FakeKWin> StartOffContextAsync(PrivateBus bus, bool screenSaver)
    {
        var peer = new FakeKWin(await bus.ConnectAsync());
        peer._connection.AddMethodHandler(new PeerObject("/Scripting", peer.Scripting));
        peer._connection.AddMethodHandler(new PeerObject("/Scripting/Script7", peer.Script));
        peer._connection.AddMethodHandler(new PeerObject("/7", peer.Script));
        peer._connection.AddMethodHandler(new PeerObject("/ScreenSaver", c =>
        {
            using var w = c.CreateReplyWriter("u");
            w.WriteUInt32(peer.IdleMilliseconds);
            c.Reply(w.CreateMessage());
            return true;
        }));
        await peer._connection.RequestNameAsync("org.kde.KWin", RequestNameOptions.Default);
        if (screenSaver) await peer._connection.RequestNameAsync("org.freedesktop.ScreenSaver", RequestNameOptions.Default);
        return peer;
    }

    public string UniqueName => _connection.UniqueName!;

    private bool Scripting(MethodContext c)
    {
        var m = c.Request;
        var reader = m.GetBodyReader();
        switch (m.MemberAsString)
        {
            case "loadScript":
                ScriptPath = reader.ReadString();
                var plugin = reader.ReadString();
                Calls.Enqueue($"loadScript {plugin}");
                ScriptText = File.ReadAllText(ScriptPath);
                if (LoadScriptAnswer is not { } id) return false;
                using (var w = c.CreateReplyWriter("i"))
                {
                    w.WriteInt32(id);
                    c.Reply(w.CreateMessage());
                }
                return true;
            case "unloadScript":
                Calls.Enqueue($"unloadScript {reader.ReadString()}");
                using (var w = c.CreateReplyWriter("b"))
                {
                    w.WriteBool(true);
                    c.Reply(w.CreateMessage());
                }
                return true;
            case "start":
                Calls.Enqueue("start");
                PeerObject.ReplyEmpty(c);
                return true;
            default:
                c.ReplyUnknownMethodError();
                return true;
        }
    }

    private bool Script(MethodContext c)
    {
        var modern = c.Request.PathAsString == "/Scripting/Script7";
        if (modern == Plasma5Paths)
        {
            c.ReplyError("org.freedesktop.DBus.Error.UnknownObject", "No such object path");
            return true;
        }
        Calls.Enqueue($"{c.Request.MemberAsString} {c.Request.PathAsString}");
        PeerObject.ReplyEmpty(c);
        return true;
    }

    /// <summary>What the script's callDBus sends: ActiveWindow(s, s, s) to the name written into the script.</summary>
    public Task ActiveWindowAsync(string agent, string resourceClass, string caption, string pid) =>
        PrivateBus.LeaveReceiveThread(_connection.CallMethodAsync(Presently.Agent.Platforms.Linux.SessionBus.BusCalls.Message(_connection, agent, "/org/presently/Agent/KWin", "org.presently.Agent.KWin", "ActiveWindow", resourceClass, caption, pid)));

    /// <summary>ActiveWindow with other argument types, as a broken or hostile script would send.</summary>
    public Task GarbageAsync(string agent)
    {
        MessageBuffer Build()
        {
            using var w = _connection.GetMessageWriter();
            w.WriteMethodCallHeader(destination: agent, path: "/org/presently/Agent/KWin", @interface: "org.presently.Agent.KWin", member: "ActiveWindow", signature: "sb");
            w.WriteString("evil");
            w.WriteBool(true);
            return w.CreateMessage();
        }
        return PrivateBus.LeaveReceiveThread(_connection.CallMethodAsync(Build()));
    }

    /// <summary>Leaves the bus, as KWin does when it stops or restarts.</summary>
    public ValueTask DisposeAsync()
    {
        _connection.Dispose();
        return ValueTask.CompletedTask;
    }
}
