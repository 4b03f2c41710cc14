using System.Threading.Channels;
using Microsoft.Extensions.Time.Testing;
using Presently.Agent;
using Presently.Agent.Config;
using Presently.Agent.Context;
using Presently.Agent.Journal;
using Presently.Agent.Privacy;
using Presently.Agent.Sensors;
using Presently.Protocol;
using Presently.Tests.Fixtures;

namespace Presently.Tests.Context;

/// <summary>The media enricher and media as presence, with players on a private session bus.</summary>
public sealed class MediaEnricherTests : IDisposable
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(10);
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task Media_context_is_given_when_the_player_is_in_front_and_not_for_other_apps()
    {
        using var bus = new PrivateBus();
        await using var player = await TestMprisPlayer.StartAsync(bus.Address, "testplayer", "Test Player", "First Song", ["Ann", "Bob"]);
        // A browser instance: named only by its bus name (org.mpris.MediaPlayer2.chromium.instance123).
        await using var browser = await TestMprisPlayer.StartAsync(bus.Address, "chromium.instance123", "Web Media", "A Video", ["Channel"], status: "Paused");
        await using var stopped = await TestMprisPlayer.StartAsync(bus.Address, "stopped", "Stopped Player", "Old Song", ["Old"], status: "Stopped");
        using var watcher = new MprisWatcher(bus.Address, TimeProvider.System, new AgentLog(TextWriter.Null)).Start();
        await watcher.Ready.WaitAsync(Deadline);
        var media = new MediaEnricher(watcher);
        Assert.Equal("media", media.Name);
        Assert.False(media.ChangesWithoutWindowEvents);
        Assert.Null(media.Unavailable);

        var expected = SpanContext.Of((ContextKeys.Track, "First Song"), (ContextKeys.Artist, "Ann, Bob"), (ContextKeys.Player, "Test Player"), (ContextKeys.Playback, "playing"));
        // By desktop entry (the sample's class or process), and by identity.
        Assert.Equal(expected, MprisWatcherTests.Enrich(media, new ForegroundSample("Testplayer", "whatever", "testplayer", null)));
        Assert.Equal(expected, MprisWatcherTests.Enrich(media, new ForegroundSample("Test Player", null, null, null)));
        Assert.Equal(SpanContext.Of((ContextKeys.Track, "A Video"), (ContextKeys.Artist, "Channel"), (ContextKeys.Player, "Web Media"), (ContextKeys.Playback, "paused")),
            MprisWatcherTests.Enrich(media, new ForegroundSample("Chromium", "A Video - Chromium", "chromium", null)));

        // Another app in front, or a player that plays nothing: no media context.
        Assert.False(media.Applies(new ForegroundSample("XTerm", "First Song", "xterm", null)));
        Assert.False(media.Applies(new ForegroundSample(null, null, null, null)));
        Assert.False(media.Applies(new ForegroundSample("stopped", "Old Song", "stopped", null)));

        // Through the stage, with the browser enricher also applying to a browser in front.
        var stage = new ContextStage([new BrowserEnricher(), media], new PrivacyFilter(new PrivacySettings()), new ContextSettings(), TimeProvider.System, new AgentLog(TextWriter.Null), watcher);
        var both = stage.Enrich(new ForegroundSample("Chromium", "A Video - Chromium", "chromium", null)).Context;
        Assert.Equal(("A Video", "A Video", "paused"), (both?[ContextKeys.Tab], both?[ContextKeys.Track], both?[ContextKeys.Playback]));
        Assert.Null(stage.Enrich(new ForegroundSample("XTerm", "x", "xterm", null)).Context);

        player.SetTrack("Second Song", "Cleo");
        await Eventually.Until(() => MprisWatcherTests.Enrich(media, new ForegroundSample("testplayer", null, null, null))?[ContextKeys.Track] == "Second Song", Deadline, "the new track in the context");
    }

    [Fact]
    public async Task Media_playing_counts_as_present_when_MediaCountsAsPresent()
    {
        using var bus = new PrivateBus();
        await using var player = await TestMprisPlayer.StartAsync(bus.Address, "testplayer", "Test Player", "Long Film", ["Studio"]);
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        using var watcher = new MprisWatcher(bus.Address, time, new AgentLog(TextWriter.Null)).Start();
        await watcher.Ready.WaitAsync(Deadline);
        ContextStage Stage(bool counts) => new([], new PrivacyFilter(new PrivacySettings()), new ContextSettings { MediaCountsAsPresent = counts }, time, new AgentLog(TextWriter.Null), watcher);
        var idleForAges = new ForegroundSample("XTerm", "x", "xterm", TimeSpan.FromMinutes(20));

        // Playing (whatever app is in front): no input for 20 minutes is not idle.
        Assert.Equal(TimeSpan.Zero, Stage(true).Enrich(idleForAges).Idle);
        Assert.Equal(TimeSpan.FromMinutes(20), Stage(false).Enrich(idleForAges).Idle);

        // Paused: idle counts from when playing stopped, or from the last input if that was later.
        player.SetStatus("Paused");
        await Eventually.Until(() => watcher.Players.Single().Playback == "Paused", Deadline, "playback stopped");
        time.Advance(TimeSpan.FromMinutes(2));
        Assert.Equal(TimeSpan.FromMinutes(2), Stage(true).Enrich(idleForAges).Idle);
        Assert.Equal(TimeSpan.FromSeconds(30), Stage(true).Enrich(idleForAges with { Idle = TimeSpan.FromSeconds(30) }).Idle);
        Assert.Null(Stage(true).Enrich(idleForAges with { Idle = null }).Idle);
    }

    [Fact]
    public async Task A_track_change_while_the_player_is_in_front_starts_a_span_with_the_new_track()
    {
        using var bus = new PrivateBus();
        await using var player = await TestMprisPlayer.StartAsync(bus.Address, "testplayer", "Test Player", "First Song", ["Ann"]);
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow.AddHours(-1));
        using var watcher = new MprisWatcher(bus.Address, time, new AgentLog(TextWriter.Null)).Start();
        await watcher.Ready.WaitAsync(Deadline);
        var found = new RecordingEnricher(new MediaEnricher(watcher));
        using var sensor = new SteppedSensor();
        var settings = new AgentSettings
        {
            Server = "http://127.0.0.1:9", // nothing listens: everything stays in the journal
            Token = "t",
            AgentId = "media-agent",
            StateDirectory = _dir.File("agent"),
            MaxBackoff = TimeSpan.FromSeconds(1),
        };
        using var stop = new CancellationTokenSource();
        var run = new AgentRunner(settings, sensor, null, time, new AgentLog(TextWriter.Null), [found], watcher).RunAsync(stop.Token);

        sensor.Show(new ForegroundSample("Test Player", "Test Player", "testplayer", TimeSpan.Zero));
        await Eventually.Until(() => found.Tracks.Contains("First Song"), Deadline, "the first track seen by the agent");
        time.Advance(TimeSpan.FromSeconds(5));
        // No new sample: the watcher's Changed alone makes the agent look again.
        player.SetTrack("Second Song", "Bob");
        await Eventually.Until(() => found.Tracks.Contains("Second Song"), Deadline, "the second track seen by the agent");
        time.Advance(TimeSpan.FromSeconds(5));
        await stop.CancelAsync();
        await run.WaitAsync(TimeSpan.FromSeconds(30));

        using var journal = SpanJournal.Open(new JournalOptions(Path.Combine(settings.StateDirectory, "journal")), new AgentLog(TextWriter.Null));
        var spans = journal.ReadAfter(0, 1000, 1_000_000).GroupBy(r => r.SpanId).Select(g => g.Last()).OrderBy(r => r.StartMs).ToList();
        Assert.Equal(2, spans.Count);
        Assert.Equal(("First Song", "Ann", "playing", "Test Player"), (spans[0].Context?[ContextKeys.Track], spans[0].Context?[ContextKeys.Artist], spans[0].Context?[ContextKeys.Playback], spans[0].App));
        Assert.Equal(("Second Song", "Bob", "playing", "Test Player"), (spans[1].Context?[ContextKeys.Track], spans[1].Context?[ContextKeys.Artist], spans[1].Context?[ContextKeys.Playback], spans[1].App));
        Assert.Equal(spans[0].EndMs, spans[1].StartMs);
        Assert.Equal(5_000, spans[0].EndMs - spans[0].StartMs);
    }

    /// <summary>Passes what the media enricher finds through, and keeps the tracks it found.</summary>
    private sealed class RecordingEnricher(IContextEnricher inner) : IContextEnricher
    {
        private readonly List<string> _tracks = [];

        public string Name => inner.Name;

        public bool ChangesWithoutWindowEvents => inner.ChangesWithoutWindowEvents;

        public List<string> Tracks
        {
            get { lock (_tracks) return [.. _tracks]; }
        }

        public bool Applies(ForegroundSample sample) => inner.Applies(sample);

        public void Enrich(ForegroundSample sample, ContextFacts facts, TimeSpan budget)
        {
            inner.Enrich(sample, facts, budget);
            if (facts.ToContext()?[ContextKeys.Track] is { } track)
                lock (_tracks) _tracks.Add(track);
        }
    }

    /// <summary>A sensor that reports exactly the samples the test shows it, when it shows them.</summary>
    private sealed class SteppedSensor : IForegroundSensor
    {
        private readonly Channel<ForegroundSample> _samples = Channel.CreateUnbounded<ForegroundSample>();

        public string Name => "stepped";

        public IReadOnlyList<string> Capabilities => ["stepped"];

        public void Show(ForegroundSample sample) => _samples.Writer.TryWrite(sample);

        public void Run(Action<ForegroundSample> onSample, SensorTiming timing, CancellationToken ct)
        {
            try
            {
                while (true)
                    onSample(_samples.Reader.ReadAsync(ct).AsTask().GetAwaiter().GetResult());
            }
            catch (OperationCanceledException)
            {
            }
        }

        public void Dispose() => _samples.Writer.TryComplete();
    }
}
