using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Text;
using Presently.Agent.Platforms.Linux;
using Presently.Agent.Platforms.Linux.Sway;
using Presently.Tests.Fixtures;

namespace Presently.Tests.Agent;

/// <summary>The i3-ipc framing and payloads, and the sway sensor against a fake IPC socket that misbehaves.</summary>
public sealed class SwayIpcTests
{
    /// <summary>A system bus that is not there, so logind's IdleHint (the last idle source) is missing here as on any machine.</summary>
    private const string NoSystemBus = "unix:path=/nonexistent/presently-system-bus";

    private static byte[] Message(uint type, string payload) => I3Ipc.Encode(type, Encoding.UTF8.GetBytes(payload));

    [Fact]
    public void Messages_are_cut_from_a_stream_delivered_a_byte_at_a_time()
    {
        var stream = Message(I3Ipc.Subscribe, """{"success":true}""").Concat(Message(I3Ipc.WindowEvent, "{}")).ToArray();
        var reader = new I3IpcReader();
        var got = new List<(uint, string)>();
        foreach (var b in stream)
        {
            reader.FreeSpace().Span[0] = b;
            reader.Advance(1);
            while (reader.TryNext(out var type, out var payload)) got.Add((type, Encoding.UTF8.GetString(payload.Span)));
        }
        Assert.Equal([(I3Ipc.Subscribe, """{"success":true}"""), (I3Ipc.WindowEvent, "{}")], got);
    }

    [Fact]
    public void A_wrong_magic_or_an_oversized_length_is_refused_before_reading_on()
    {
        var reader = new I3IpcReader();
        "i3-ipX"u8.CopyTo(reader.FreeSpace().Span);
        reader.Advance(6);
        Assert.Throws<InvalidDataException>(() => reader.TryNext(out _, out _));

        var huge = Message(I3Ipc.GetTree, "");
        var length = I3Ipc.MaxPayload + 1;
        MemoryMarshal.Write(huge.AsSpan(6), in length);
        reader = new I3IpcReader();
        huge.CopyTo(reader.FreeSpace().Span);
        reader.Advance(huge.Length);
        Assert.Contains("at most", Assert.Throws<InvalidDataException>(() => reader.TryNext(out _, out _)).Message);
    }

    [Fact]
    public void The_focused_window_is_found_in_a_tree_with_Wayland_and_XWayland_windows()
    {
        var tree = """
            {"id":1,"type":"root","focused":false,"nodes":[{"id":3,"type":"output","focused":false,"nodes":[{"id":4,"type":"workspace","focused":false,
              "nodes":[{"id":5,"type":"con","focused":false,"app_id":"foot","name":"a","pid":10,"nodes":[]}],
              "floating_nodes":[{"id":6,"type":"floating_con","focused":true,"app_id":null,"window_properties":{"class":"Gimp","instance":"gimp"},"name":"GIMP","pid":11,"nodes":[]}]}]}]}
            """;
        Assert.Equal(new WindowInfo("6", "Gimp", "GIMP", 11), SwayMessages.FocusedInTree(Encoding.UTF8.GetBytes(tree)));
        var empty = """{"id":1,"type":"root","focused":false,"nodes":[{"id":4,"type":"workspace","focused":true,"nodes":[]}]}""";
        Assert.Equal(WindowInfo.None, SwayMessages.FocusedInTree(Encoding.UTF8.GetBytes(empty)));
    }

    [Fact]
    public void Window_events_change_the_focused_window_only_when_they_concern_it()
    {
        var current = new WindowInfo("5", "foot", "a", 10);
        WindowInfo? Event(string json) => SwayMessages.FromWindowEvent(Encoding.UTF8.GetBytes(json), current);
        Assert.Equal(new WindowInfo("7", "firefox", "Docs", 12), Event("""{"change":"focus","container":{"id":7,"focused":true,"app_id":"firefox","name":"Docs","pid":12}}"""));
        Assert.Equal(new WindowInfo("5", "foot", "b", 10), Event("""{"change":"title","container":{"id":5,"focused":true,"app_id":"foot","name":"b","pid":10}}"""));
        Assert.Null(Event("""{"change":"title","container":{"id":8,"focused":false,"app_id":"x","name":"y"}}"""));
        Assert.Null(Event("""{"change":"new","container":{"id":9,"focused":false,"app_id":"new"}}"""));
        Assert.Equal(WindowInfo.None, Event("""{"change":"close","container":{"id":5,"focused":false,"app_id":"foot"}}"""));
        Assert.Null(Event("""{"change":"close","container":{"id":6,"focused":false}}"""));
        Assert.Throws<InvalidDataException>(() => Event("""{"change":"focus"}"""));
        Assert.Throws<InvalidDataException>(() => Event("not json"));
        Assert.Throws<InvalidDataException>(() => Event(new string('[', 10_000)));
    }

    [Fact]
    public async Task The_sensor_survives_garbage_a_64_KB_title_and_a_closing_socket_on_a_fake_IPC_socket()
    {
        using var dir = new TempDirectory("presently-i3ipc-");
        var path = Path.Combine(dir.Path, "ipc.sock");
        using var listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        listener.Bind(new UnixDomainSocketEndPoint(path));
        listener.Listen(4);
        using var run = SwaySensorTests.SensorRun.Start(SwayForegroundSensor.Open("sway", path, null, TimeProvider.System, null, NoSystemBus));

        async Task<Socket> AcceptAsync()
        {
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            var client = await listener.AcceptAsync(cts.Token);
            // The sensor asks for window events and the tree; a reply to each.
            var request = new byte[64];
            var got = 0;
            while (got < I3Ipc.HeaderLength * 2 + """["window","workspace"]""".Length)
            {
                var n = await client.ReceiveAsync(request.AsMemory(got), cts.Token);
                // A sensor that hangs up before asking fails here at once, instead of spinning on end-of-stream until the token ends it.
                if (n == 0) throw new IOException($"the sensor closed the connection after {got} bytes of its requests");
                got += n;
            }
            await client.SendAsync(Message(I3Ipc.Subscribe, """{"success":true}"""));
            await client.SendAsync(Message(I3Ipc.GetTree, """{"id":1,"type":"root","focused":false,"nodes":[{"id":2,"type":"con","focused":true,"app_id":"first","name":"one","nodes":[]}]}"""));
            return client;
        }

        var client = await AcceptAsync();
        Assert.Equal("first", run.Next(s => s.App is not null, TimeSpan.FromSeconds(5)).App);

        var longTitle = new string('t', 64 * 1024);
        await client.SendAsync(Message(I3Ipc.WindowEvent, $$$"""{"change":"focus","container":{"id":3,"focused":true,"app_id":"long","name":"{{{longTitle}}}"}}"""));
        Assert.Equal(longTitle, run.Next(s => s.App == "long", TimeSpan.FromSeconds(5)).Title);

        // Not i3-ipc at all: the sensor drops the connection, says why, and connects again.
        await client.SendAsync("GET / HTTP/1.1\r\n\r\n"u8.ToArray());
        run.Next(s => s.App is null, TimeSpan.FromSeconds(5));
        Assert.Contains("i3-ipc", run.Sensor.Explain()[0].Missing);
        client.Dispose();
        client = await AcceptAsync();
        Assert.Equal("first", run.Next(s => s.App is not null, TimeSpan.FromSeconds(5)).App);
        Assert.Null(run.Sensor.Explain()[0].Missing);

        // Well framed but not JSON.
        await client.SendAsync(Message(I3Ipc.WindowEvent, "\u0000\u0001garbage"));
        run.Next(s => s.App is null, TimeSpan.FromSeconds(5));
        Assert.Contains("not JSON", run.Sensor.Explain()[0].Missing);
        client.Dispose();
        client = await AcceptAsync();
        run.Next(s => s.App == "first", TimeSpan.FromSeconds(5));

        // Closed in the middle of a message.
        await client.SendAsync(Message(I3Ipc.WindowEvent, """{"change":"focus","container":{"id":3,"focused":true,"app_id":"never"}}""")[..20]);
        client.Dispose();
        run.Next(s => s.App is null, TimeSpan.FromSeconds(5));
        Assert.Contains("closed the connection", run.Sensor.Explain()[0].Missing);
        Assert.StartsWith("idle: no — XDG_RUNTIME_DIR is not set, so the compositor's Wayland socket is unknown; logind's IdleHint cannot be read", run.Sensor.Explain()[1].ToString());
    }
}
