using System.Net.Sockets;
using System.Text;
using Presently.Agent.Platforms.Linux;
using Presently.Agent.Platforms.Linux.Hyprland;
using Presently.Tests.Fixtures;

namespace Presently.Tests.Agent;

/// <summary>
/// Hyprland is not in Debian: its event lines are parsed by pure tests, and the sensor runs
/// against a recorded event stream served by this test's own sockets in a Hyprland instance layout.
/// </summary>
public sealed class HyprlandSensorTests
{
    /// <summary>A system bus that is not there, so logind's IdleHint (the last idle source) is missing here as on any machine.</summary>
    private const string NoSystemBus = "unix:path=/nonexistent/presently-system-bus";

    [Theory]
    [InlineData("activewindow>>kitty,vim: notes.md", "kitty", "vim: notes.md")]
    [InlineData("activewindow>>firefox,Search, results, and more — Firefox", "firefox", "Search, results, and more — Firefox")]
    [InlineData("activewindow>>org.gnome.Nautilus,", "org.gnome.Nautilus", "")]
    [InlineData("activewindow>>,untitled", null, "untitled")]
    public void Activewindow_splits_class_and_title_at_the_first_comma(string line, string? app, string title)
    {
        var e = HyprlandEvents.Parse(line)!.Value;
        Assert.Equal("activewindow", e.Name);
        var w = HyprlandEvents.ActiveWindow(e.Data);
        Assert.Equal(app, w.AppId);
        Assert.Equal(title, w.Title);
    }

    [Fact]
    public void An_empty_activewindow_means_nothing_is_focused()
    {
        Assert.Equal(WindowInfo.None, HyprlandEvents.ActiveWindow(HyprlandEvents.Parse("activewindow>>,")!.Value.Data));
        Assert.Null(HyprlandEvents.ActiveAddress(","));
    }

    [Theory]
    [InlineData("")]
    [InlineData("no separator")]
    [InlineData(">>no name")]
    [InlineData("\u0000\uFFFD")]
    public void Lines_that_are_not_events_are_skipped(string line) => Assert.Null(HyprlandEvents.Parse(line));

    [Theory]
    [InlineData("55d1a9e0c2b0", "55d1a9e0c2b0")]
    [InlineData("0x55D1A9E0C2B0", "55d1a9e0c2b0")]
    [InlineData("not hex", null)]
    public void Addresses_are_hex(string data, string? address) => Assert.Equal(address, HyprlandEvents.ActiveAddress(data));

    [Fact]
    public void The_active_window_reply_gives_class_title_and_pid()
    {
        var w = HyprlandEvents.ActiveWindowReply("""{"address":"0x5500","mapped":true,"class":"kitty","title":"~","initialClass":"kitty","pid":4242,"xwayland":false}"""u8.ToArray());
        Assert.Equal(new WindowInfo("5500", "kitty", "~", 4242), w);
        Assert.Equal(WindowInfo.None, HyprlandEvents.ActiveWindowReply("{}"u8.ToArray()));
        Assert.Throws<InvalidDataException>(() => HyprlandEvents.ActiveWindowReply("Unknown request"u8.ToArray()));
        Assert.Throws<InvalidDataException>(() => HyprlandEvents.ActiveWindowReply("[1,2]"u8.ToArray()));
    }

    [Fact]
    public async Task The_sensor_follows_a_recorded_event_stream_and_survives_garbage_huge_lines_and_a_closed_socket()
    {
        using var dir = new TempDirectory("presently-hypr-");
        await using var hypr = new FakeHyprland(dir.Path);
        var self = Environment.ProcessId;
        var selfName = File.ReadAllText("/proc/self/comm").Trim();
        hypr.ActiveWindow = $$"""{"address":"0x5500","class":"firefox","title":"Start page","pid":{{self}}}""";
        using var run = SwaySensorTests.SensorRun.Start(HyprlandForegroundSensor.Open(dir.Path, null, TimeProvider.System, null, NoSystemBus));

        // At start the window in front comes from the request socket, with its process.
        var first = run.Next(s => s.App is not null, TimeSpan.FromSeconds(5));
        Assert.Equal(("firefox", "Start page", selfName, (int?)self), (first.App, first.Title, first.Process, first.Pid));
        await hypr.WaitForEventClientAsync(1);

        // A switch as Hyprland sends it: other events around it, the class and title, then the address.
        hypr.ActiveWindow = $$"""{"address":"0x5600","class":"kitty","title":"vim a, b, c","pid":{{self}}}""";
        await hypr.SendAsync("workspace>>2\nfocusedmon>>DP-1,2\nactivewindow>>kitty,vim a, b, c\nactivewindowv2>>5600\n");
        var kitty = run.Next(s => s.App == "kitty", TimeSpan.FromSeconds(5));
        Assert.Equal("vim a, b, c", kitty.Title);
        Assert.Equal(self, kitty.Pid);

        // Garbage is skipped; a 64 KB title passes whole (the span builder truncates it).
        var longTitle = new string('t', 64 * 1024);
        await hypr.SendAsync("\u0001\u00ff garbage\n>>\nactivewindow\nactivewindowv2>>zz\n");
        await hypr.SendAsync($"activewindow>>code,{longTitle}\n");
        var code = run.Next(s => s.App == "code", TimeSpan.FromSeconds(5));
        Assert.Equal(longTitle, code.Title);

        // A line split across writes is put back together.
        await hypr.SendAsync("activewindow>>fo");
        await hypr.SendAsync("ot,half and half\n");
        Assert.Equal("half and half", run.Next(s => s.App == "foot", TimeSpan.FromSeconds(5)).Title);

        await hypr.SendAsync("activewindow>>,\nactivewindowv2>>,\n");
        run.Next(s => s.App is null && s.Title is null, TimeSpan.FromSeconds(5));

        // The socket closes mid-line: the app is unknown, status says why, and the sensor connects again.
        await hypr.SendAsync("activewindow>>never,seen");
        hypr.ActiveWindow = $$"""{"address":"0x5700","class":"back","title":"again","pid":{{self}}}""";
        hypr.CloseEventClient();
        run.Next(s => s.App is null, TimeSpan.FromSeconds(5));
        Assert.Contains(run.Sensor.Explain(), c => c.Name == "titles" && c.Missing is { } why && why.Contains("closed", StringComparison.Ordinal));
        Assert.Equal("again", run.Next(s => s.App == "back", TimeSpan.FromSeconds(5)).Title);
        await hypr.WaitForEventClientAsync(2);
        Assert.Equal("titles: yes", run.Sensor.Explain()[0].ToString());

        // A line that never ends is refused at its bound, and the sensor starts over.
        await hypr.SendAsync("activewindow>>x," + new string('x', HyprlandWindowFeed.MaxLine + 1), peerMayClose: true);
        run.Next(s => s.App is null, TimeSpan.FromSeconds(5));
        Assert.Contains(run.Sensor.Explain(), c => c.Name == "titles" && c.Missing is { } why && why.Contains("more than", StringComparison.Ordinal));
        await hypr.WaitForEventClientAsync(3);
        Assert.StartsWith("idle: no — XDG_RUNTIME_DIR is not set, so the compositor's Wayland socket is unknown; logind's IdleHint cannot be read", run.Sensor.Explain()[1].ToString());
    }

    /// <summary>
    /// Hyprland's two sockets, played by this test: the request socket answers j/activewindow, the event socket sends what the test says.
    /// Each socket is served by a thread of its own, as by a compositor in its own process: the sensor waits a second for an answer,
    /// and in a full run the test host's thread pool can be busy for longer than that.
    /// </summary>
    internal sealed class FakeHyprland : IAsyncDisposable
    {
        private readonly string _eventPath;
        private readonly string _requestPath;
        private readonly Socket _events;
        private readonly Socket _requests;
        private readonly List<Socket> _eventClients = [];
        private readonly Thread _acceptingEvents;
        private readonly Thread _answeringRequests;
        private volatile bool _stopping;
        private Exception? _failure;

        public FakeHyprland(string dir)
        {
            _eventPath = HyprlandPaths.EventSocket(dir);
            _requestPath = HyprlandPaths.RequestSocket(dir);
            _events = Listen(_eventPath);
            _requests = Listen(_requestPath);
            _acceptingEvents = Serve(_events, "fake Hyprland event socket", client => { lock (_eventClients) _eventClients.Add(client); });
            _answeringRequests = Serve(_requests, "fake Hyprland request socket", Answer);
        }

        public volatile string ActiveWindow = "{}";

        public async Task WaitForEventClientAsync(int count) =>
            await Eventually.Until(() => { lock (_eventClients) return _eventClients.Count >= count; }, TimeSpan.FromSeconds(10), $"event connection {count}");

        /// <param name="peerMayClose">
        /// The sensor is allowed to hang up before all of <paramref name="text"/> is written (it drops a line at its bound, not at
        /// its end): a reset or broken pipe then ends the sending quietly, and the test's next checks say whether the sensor was right to.
        /// </param>
        public async Task SendAsync(string text, bool peerMayClose = false)
        {
            Socket client;
            lock (_eventClients) client = _eventClients[^1];
            try
            {
                await client.SendAsync(Encoding.UTF8.GetBytes(text));
            }
            catch (SocketException e) when (peerMayClose && PeerHungUp(e))
            {
            }
        }

        public void CloseEventClient()
        {
            lock (_eventClients) _eventClients[^1].Dispose();
        }

        private static Socket Listen(string path)
        {
            var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
            socket.Bind(new UnixDomainSocketEndPoint(path));
            socket.Listen(8);
            return socket;
        }

        /// <summary>A broken pipe or a reset: the other end closed its socket.</summary>
        private static bool PeerHungUp(SocketException e) => e.SocketErrorCode is SocketError.Shutdown or SocketError.ConnectionReset;

        private Thread Serve(Socket listener, string name, Action<Socket> take)
        {
            var thread = new Thread(() =>
            {
                try
                {
                    while (true)
                    {
                        var client = listener.Accept();
                        if (_stopping)
                        {
                            client.Dispose(); // the connection that wakes this thread to stop
                            return;
                        }
                        take(client);
                    }
                }
                catch (Exception e)
                {
                    // Not thrown on this thread, which would end the test host: DisposeAsync reports it.
                    Interlocked.CompareExchange(ref _failure, e, null);
                }
            }) { IsBackground = true, Name = name };
            thread.Start();
            return thread;
        }

        private void Answer(Socket client)
        {
            using var _ = client;
            try
            {
                client.ReceiveTimeout = client.SendTimeout = 10_000;
                var buffer = new byte[256];
                var got = client.Receive(buffer);
                var reply = Encoding.ASCII.GetString(buffer, 0, got) == "j/activewindow" ? ActiveWindow : "unknown request";
                client.Send(Encoding.UTF8.GetBytes(reply));
                client.Shutdown(SocketShutdown.Both);
            }
            catch (SocketException e) when (PeerHungUp(e))
            {
                // The sensor stopped waiting (it gives up after a second) and hung up: Hyprland answers the next
                // request all the same. What the sensor made of the missing answer is for the test's samples to say.
            }
        }

        public ValueTask DisposeAsync()
        {
            // A connection of its own wakes each thread from accept(2).
            _stopping = true;
            foreach (var (thread, path) in new[] { (_acceptingEvents, _eventPath), (_answeringRequests, _requestPath) })
            {
                if (!thread.IsAlive) continue;
                using var wake = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
                wake.Connect(new UnixDomainSocketEndPoint(path));
            }
            var stopped = _acceptingEvents.Join(TimeSpan.FromSeconds(10)) & _answeringRequests.Join(TimeSpan.FromSeconds(10));
            _events.Dispose();
            _requests.Dispose();
            lock (_eventClients) foreach (var c in _eventClients) c.Dispose();
            if (!stopped) throw new TimeoutException("the fake Hyprland's threads did not stop within 10 s");
            if (_failure is { } failure) throw new InvalidOperationException("the fake Hyprland failed", failure);
            return ValueTask.CompletedTask;
        }
    }
}
