using System.Net.Sockets;

namespace Presently.Agent.Platforms.Linux.Sway;

/// <summary>
/// Focus changes from sway (or i3) over its IPC socket: GET_TREE for the window in front when
/// connecting, then window and workspace events. Nothing blocks: the requests are sent on connect
/// and their replies arrive through <see cref="Read"/> like events.
/// </summary>
internal sealed class SwayWindowFeed(string name, string socketPath) : IWindowFeed
{
    private static readonly byte[] Requests =
    [
        .. I3Ipc.Encode(I3Ipc.Subscribe, """["window","workspace"]"""u8),
        .. I3Ipc.Encode(I3Ipc.GetTree, []),
    ];

    private Socket? _socket;
    private I3IpcReader _reader = new();
    private WindowInfo _current = WindowInfo.None;

    public string Name => name;

    public string Endpoint => socketPath;

    public Socket Connect(out WindowInfo? initial)
    {
        Dispose();
        var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            socket.Connect(new UnixDomainSocketEndPoint(socketPath));
            // Called only when poll(2) says there is something to read; the timeouts bound a compositor that stalls.
            socket.SendTimeout = 2000;
            socket.ReceiveTimeout = 2000;
            socket.Send(Requests);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
        _socket = socket;
        _reader = new I3IpcReader();
        _current = WindowInfo.None;
        initial = null; // the tree reply tells
        return socket;
    }

    public WindowInfo? Read()
    {
        var socket = _socket ?? throw new IOException("not connected");
        var space = _reader.FreeSpace();
        var got = socket.Receive(space.Span, SocketFlags.None, out var error);
        if (error != SocketError.Success) throw new SocketException((int)error);
        if (got == 0) throw new IOException($"{name} closed the connection");
        _reader.Advance(got);

        WindowInfo? changed = null;
        while (_reader.TryNext(out var type, out var payload))
        {
            var next = type switch
            {
                I3Ipc.GetTree => SwayMessages.FocusedInTree(payload),
                I3Ipc.WindowEvent => SwayMessages.FromWindowEvent(payload, _current),
                I3Ipc.WorkspaceEvent => SwayMessages.FromWorkspaceEvent(payload),
                I3Ipc.Subscribe => SwayMessages.Succeeded(payload) ? null : throw new InvalidDataException($"{name} refused the subscription to window events"),
                _ => null, // replies and events not asked for: ignored
            };
            if (next is not null) changed = _current = next;
        }
        return changed;
    }

    public void Dispose()
    {
        _socket?.Dispose();
        _socket = null;
    }
}
