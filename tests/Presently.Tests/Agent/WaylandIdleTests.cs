using System.Net.Sockets;
using System.Runtime.InteropServices;
using Presently.Agent.Platforms.Linux.Wayland;
using Presently.Tests.Fixtures;

namespace Presently.Tests.Agent;

/// <summary>The Wayland wire format and the idle watcher against a fake compositor played by this test.</summary>
public sealed class WaylandIdleTests
{
    [Fact]
    public void A_bind_request_is_laid_out_as_the_wire_format_says()
    {
        var bind = WaylandWire.Request(2, 0, WaylandArg.UInt(7), WaylandArg.String("wl_seat"), WaylandArg.UInt(1), WaylandArg.UInt(4));
        // header 8 + name 4 + string (4 + "wl_seat\0" = 8) + version 4 + id 4
        Assert.Equal(32, bind.Length);
        Assert.Equal(2u, MemoryMarshal.Read<uint>(bind));
        Assert.Equal((32u << 16) | 0, MemoryMarshal.Read<uint>(bind.AsSpan(4)));
        Assert.Equal(8u, MemoryMarshal.Read<uint>(bind.AsSpan(12)));
        Assert.Equal("wl_seat\0"u8.ToArray(), bind[16..24]);
        var offset = 4;
        Assert.Equal("wl_seat", WaylandWire.ReadString(bind.AsSpan(8), ref offset));
        Assert.Equal(1u, WaylandWire.ReadUInt(bind.AsSpan(8), ref offset));
    }

    [Fact]
    public void Events_that_lie_about_their_size_or_strings_are_refused()
    {
        var reader = new WaylandEventReader();
        var bad = new byte[8];
        MemoryMarshal.Write(bad.AsSpan(4), (4u << 16) | 0);
        bad.CopyTo(reader.FreeSpace().Span);
        reader.Advance(8);
        Assert.Throws<InvalidDataException>(() => reader.TryNext(out _, out _, out _));

        var args = new byte[8];
        MemoryMarshal.Write(args, 100u); // a string of 100 bytes in 4
        var offset = 0;
        Assert.Throws<InvalidDataException>(() => WaylandWire.ReadString(args, ref offset));
        offset = 6;
        Assert.Throws<InvalidDataException>(() => WaylandWire.ReadUInt(args, ref offset));
    }

    [Fact]
    public async Task A_compositor_without_an_idle_protocol_is_named_in_the_reason()
    {
        using var dir = new TempDirectory("presently-wl-");
        await using var compositor = new FakeCompositor(Path.Combine(dir.Path, "wayland-9"), ["wl_seat", "wl_compositor"]);
        var (idle, why) = WaylandIdleWatcher.Open(compositor.Path, TimeProvider.System, null);
        Assert.Null(idle);
        Assert.Equal("the compositor offers neither ext_idle_notifier_v1 nor org_kde_kwin_idle, so it does not tell when input stops", why);
    }

    [Fact]
    public async Task Idled_and_resumed_events_set_idle_time_and_a_closed_connection_makes_it_unknown()
    {
        using var dir = new TempDirectory("presently-wl-");
        await using var compositor = new FakeCompositor(Path.Combine(dir.Path, "wayland-9"), ["wl_seat", "ext_idle_notifier_v1"]);
        var time = new Microsoft.Extensions.Time.Testing.FakeTimeProvider();
        var (source, why) = WaylandIdleWatcher.Open(compositor.Path, time, null);
        using var idle = Assert.IsType<WaylandIdleWatcher>(source, exactMatch: false);
        Assert.Null(why);
        Assert.Equal("ext_idle_notifier_v1", idle.Protocol);
        idle.Start(TimeSpan.FromSeconds(5));
        Assert.Equal(TimeSpan.Zero, idle.Idle);

        // get_idle_notification(new_id 6, 5000 ms, seat 4) on the notifier (5).
        var request = await compositor.ReceiveThirdRequestAsync();
        Assert.Equal(5u, MemoryMarshal.Read<uint>(request));
        Assert.Equal([6u, 5000u, 4u], MemoryMarshal.Cast<byte, uint>(request.AsSpan(8)).ToArray());

        await compositor.SendAsync(Event(6, 0)); // idled
        await WaitReadAsync(idle);
        time.Advance(TimeSpan.FromSeconds(3));
        Assert.Equal(TimeSpan.FromSeconds(8), idle.Idle);

        await compositor.SendAsync(Event(6, 1)); // resumed
        await WaitReadAsync(idle);
        Assert.Equal(TimeSpan.Zero, idle.Idle);

        // wl_display.error(object 6, code 3, message)
        await compositor.SendAsync(Event(1, 0, [.. MemoryMarshal.AsBytes<uint>([6u, 3u]), .. String("invalid timeout")]));
        await WaitReadAsync(idle);
        Assert.Null(idle.Idle);
        Assert.Contains("protocol error on object 6 (code 3): invalid timeout", idle.Explain().Missing);
    }

    private static async Task WaitReadAsync(WaylandIdleWatcher idle)
    {
        await Eventually.Until(() => idle.Socket is null || idle.Socket.Available > 0, TimeSpan.FromSeconds(5), "an event");
        idle.Read();
    }

    private static byte[] Event(uint id, ushort opcode, params uint[] args) => Event(id, opcode, MemoryMarshal.AsBytes<uint>(args).ToArray());

    private static byte[] Event(uint id, ushort opcode, byte[] body)
    {
        var e = new byte[8 + body.Length];
        MemoryMarshal.Write(e, in id);
        MemoryMarshal.Write(e.AsSpan(4), (uint)(e.Length << 16) | opcode);
        body.CopyTo(e.AsSpan(8));
        return e;
    }

    /// <summary>A string argument as the wire carries it.</summary>
    private static byte[] String(string text) => WaylandWire.Request(0, 0, WaylandArg.String(text))[8..];

    /// <summary>Just enough of a compositor: lists the given globals and answers the sync, then sends what the test says.</summary>
    private sealed class FakeCompositor : IAsyncDisposable
    {
        private readonly Socket _listener = new(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        private readonly Task<Socket> _client;

        public FakeCompositor(string path, string[] globals)
        {
            Path = path;
            _listener.Bind(new UnixDomainSocketEndPoint(path));
            _listener.Listen(1);
            _client = ServeAsync(globals);
        }

        public string Path { get; }

        private async Task<Socket> ServeAsync(string[] globals)
        {
            var client = await _listener.AcceptAsync();
            var hello = new byte[24]; // get_registry(2) + sync(3)
            var got = 0;
            while (got < hello.Length) got += await client.ReceiveAsync(hello.AsMemory(got));
            var name = 1u;
            foreach (var g in globals)
            {
                // wl_registry.global(name, interface, version)
                await client.SendAsync(Event(2, 0, WaylandWire.Request(0, 0, WaylandArg.UInt(name++), WaylandArg.String(g), WaylandArg.UInt(1))[8..]));
            }
            await client.SendAsync(Event(3, 0, 0)); // callback done
            return client;
        }

        /// <summary>The first request after the two binds (seat and notifier).</summary>
        public async Task<byte[]> ReceiveThirdRequestAsync()
        {
            var client = await _client.WaitAsync(TimeSpan.FromSeconds(5));
            var buffer = new byte[4096];
            var got = 0;
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            var messages = new List<byte[]>();
            while (true)
            {
                got += await client.ReceiveAsync(buffer.AsMemory(got), cts.Token);
                messages.Clear();
                var offset = 0;
                while (got - offset >= 8)
                {
                    var size = (int)(MemoryMarshal.Read<uint>(buffer.AsSpan(offset + 4)) >> 16);
                    if (got - offset < size) break;
                    messages.Add(buffer[offset..(offset + size)]);
                    offset += size;
                }
                if (messages.Count == 3) return messages[2];
            }
        }

        public async Task SendAsync(byte[] bytes) => await (await _client).SendAsync(bytes);

        public async ValueTask DisposeAsync()
        {
            _listener.Dispose();
            try
            {
                (await _client.WaitAsync(TimeSpan.FromSeconds(1))).Dispose();
            }
            catch (Exception ex) when (ex is SocketException or TimeoutException or ObjectDisposedException)
            {
            }
        }
    }
}
