using System.Net.Sockets;
using System.Text;

namespace Presently.Agent.Platforms.Linux.Hyprland;

/// <summary>
/// Focus changes from Hyprland: its event socket (<c>.socket2.sock</c>) sends a line per event;
/// <c>activewindow</c> carries class and title, <c>activewindowv2</c> the window's address. The
/// process id is not in any event: it is asked of the request socket (<c>j/activewindow</c>) once
/// per newly focused window, as is the window in front when connecting.
/// </summary>
internal sealed class HyprlandWindowFeed(string instanceDirectory) : IWindowFeed
{
    /// <summary>A line longer than this is not Hyprland talking (titles are far shorter).</summary>
    public const int MaxLine = 1024 * 1024;

    /// <summary>The active-window reply is one window's JSON.</summary>
    public const int MaxReply = 1024 * 1024;

    private static readonly TimeSpan RequestTimeout = TimeSpan.FromSeconds(1);

    private Socket? _socket;
    private ReceiveBuffer _buffer = new();
    private WindowInfo _current = WindowInfo.None;

    public string Name => "hyprland";

    public string Endpoint => HyprlandPaths.EventSocket(instanceDirectory);

    public Socket Connect(out WindowInfo? initial)
    {
        Dispose();
        var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            socket.Connect(new UnixDomainSocketEndPoint(Endpoint));
            socket.ReceiveTimeout = 2000;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
        _socket = socket;
        _buffer = new ReceiveBuffer();
        // Connected first, asked second: a switch in between arrives as an event and is not lost.
        _current = AskActiveWindow() ?? WindowInfo.None;
        initial = _current;
        return socket;
    }

    public WindowInfo? Read()
    {
        var socket = _socket ?? throw new IOException("not connected");
        var got = socket.Receive(_buffer.FreeSpace(16 * 1024).Span, SocketFlags.None, out var error);
        if (error != SocketError.Success) throw new SocketException((int)error);
        if (got == 0) throw new IOException("Hyprland closed the event socket");
        _buffer.Advance(got);

        WindowInfo? changed = null;
        int newline;
        while ((newline = _buffer.Held.IndexOf((byte)'\n')) >= 0)
        {
            var line = Encoding.UTF8.GetString(_buffer.Held[..newline]);
            _buffer.Consume(newline + 1);
            if (Apply(line) is { } next) changed = _current = next;
        }
        if (_buffer.Count > MaxLine) throw new InvalidDataException($"a line of more than {MaxLine} bytes");
        return changed;
    }

    private WindowInfo? Apply(string line)
    {
        if (HyprlandEvents.Parse(line) is not { } e) return null;
        switch (e.Name)
        {
            case "activewindow":
                var seen = HyprlandEvents.ActiveWindow(e.Data);
                // A title change (same class) keeps what is known of the window; activewindowv2 follows
                // either way and, if the address differs, asks for the process anew.
                return seen == WindowInfo.None || seen.AppId != _current.AppId ? seen : seen with { Id = _current.Id, Pid = _current.Pid };
            case "activewindowv2":
                var address = HyprlandEvents.ActiveAddress(e.Data);
                if (address is null) return WindowInfo.None;
                if (address == _current.Id) return null;
                // A new window: its class and title came in the line before, its process must be asked for.
                var asked = AskActiveWindow();
                return asked is not null && asked.Id == address ? _current with { Id = address, Pid = asked.Pid } : _current with { Id = address, Pid = null };
            default:
                return null; // workspaces, monitors, layers, …: nothing the sensor records
        }
    }

    /// <summary>The focused window from the request socket, or null when Hyprland does not answer sensibly in time.</summary>
    private WindowInfo? AskActiveWindow()
    {
        try
        {
            using var request = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
            request.SendTimeout = request.ReceiveTimeout = (int)RequestTimeout.TotalMilliseconds;
            request.Connect(new UnixDomainSocketEndPoint(HyprlandPaths.RequestSocket(instanceDirectory)));
            request.Send("j/activewindow"u8);
            var reply = new ReceiveBuffer();
            while (true)
            {
                var got = request.Receive(reply.FreeSpace(8192).Span);
                if (got == 0) break;
                reply.Advance(got);
                if (reply.Count > MaxReply) return null;
            }
            return HyprlandEvents.ActiveWindowReply(reply.Peek(0, reply.Count));
        }
        catch (Exception ex) when (ex is SocketException or IOException or InvalidDataException)
        {
            return null;
        }
    }

    public void Dispose()
    {
        _socket?.Dispose();
        _socket = null;
    }
}
