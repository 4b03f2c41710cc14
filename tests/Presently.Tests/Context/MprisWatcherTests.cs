using Presently.Agent;
using Presently.Agent.Context;
using Presently.Agent.Privacy;
using Presently.Agent.Sensors;
using Presently.Protocol;
using Presently.Tests.Fixtures;
using Tmds.DBus.Protocol;

namespace Presently.Tests.Context;

/// <summary>The MPRIS watcher against players the test plays on a private session bus.</summary>
public sealed class MprisWatcherTests
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task The_watcher_sees_track_artist_and_playback_and_follows_changes()
    {
        using var bus = new PrivateBus();
        await using var player = await TestMprisPlayer.StartAsync(bus.Address, "testplayer", "Test Player", "First Song", ["Ann", "Bob"]);

        // The test player is a real MPRIS player as far as playerctl is concerned.
        var playerctl = Requirements.Program("playerctl", "playerctl");
        var env = new Dictionary<string, string?> { ["DBUS_SESSION_BUS_ADDRESS"] = bus.Address };
        Assert.Equal("Ann, Bob - First Song", await ChildProcess.RunAsync(playerctl, ["-p", "testplayer", "metadata", "--format", "{{artist}} - {{title}}"], env));
        Assert.Equal("Playing", await ChildProcess.RunAsync(playerctl, ["-p", "testplayer", "status"], env));

        using var watcher = new MprisWatcher(bus.Address, TimeProvider.System, new AgentLog(TextWriter.Null)).Start();
        await watcher.Ready.WaitAsync(Deadline);
        Assert.Null(watcher.Unavailable);
        var seen = Assert.Single(watcher.Players);
        Assert.Equal(("org.mpris.MediaPlayer2.testplayer", "Test Player", "testplayer", "Playing", "First Song"),
            (seen.BusName, seen.Identity, seen.DesktopEntry, seen.Playback, seen.Title));
        Assert.Equal(["Ann", "Bob"], seen.Artists);
        Assert.True(seen.Answered);

        var changes = 0;
        watcher.Changed += () => Interlocked.Increment(ref changes);
        player.SetTrack("Second Song", "Cleo");
        await Eventually.Until(() => watcher.Players.Single().Title == "Second Song", Deadline, "the new track");
        Assert.Equal(["Cleo"], watcher.Players.Single().Artists);
        await Eventually.Until(() => Volatile.Read(ref changes) >= 1, Deadline, "Changed for the new track");

        var before = Volatile.Read(ref changes);
        player.SetStatus("Paused");
        await Eventually.Until(() => watcher.Players.Single().Playback == "Paused", Deadline, "paused");
        await Eventually.Until(() => Volatile.Read(ref changes) > before, Deadline, "Changed for the pause");
        Assert.Equal("Paused", await ChildProcess.RunAsync(playerctl, ["-p", "testplayer", "status"], env));

        // Players that appear later are seen, and those that leave are forgotten.
        var other = await TestMprisPlayer.StartAsync(bus.Address, "other", "Other", "Elsewhere", ["Dee"]);
        await Eventually.Until(() => watcher.Players.Any(p => p.Title == "Elsewhere"), Deadline, "the second player");
        await other.DisposeAsync();
        await Eventually.Until(() => watcher.Players.Count == 1, Deadline, "the second player gone");
        Assert.Equal("testplayer", watcher.Players.Single().DesktopEntry);
    }

    [Fact]
    public async Task Players_sending_wrong_types_or_never_answering_leave_the_watcher_and_the_others_working()
    {
        using var bus = new PrivateBus();
        await using var silent = await TestMprisPlayer.StartAsync(bus.Address, "silentplayer", "Silent", "Never Heard", ["Nobody"], behaviour: TestMprisPlayer.Behaviour.Silent);
        await using var wrong = await TestMprisPlayer.StartAsync(bus.Address, "wrongplayer", "Wrong", "Wrong Song", ["Wrong Artist"], behaviour: TestMprisPlayer.Behaviour.WrongTypes);
        await using var good = await TestMprisPlayer.StartAsync(bus.Address, "testplayer", "Test Player", "Good Song", ["Ann"]);

        var timeout = TimeSpan.FromMilliseconds(500);
        using var watcher = new MprisWatcher(bus.Address, TimeProvider.System, new AgentLog(TextWriter.Null), timeout).Start();
        // The silent player costs the start its call deadline, not more.
        await watcher.Ready.WaitAsync(Deadline);
        Assert.Null(watcher.Unavailable);
        Assert.True(silent.Unanswered > 0);
        Assert.Equal(3, watcher.Players.Count);
        Assert.False(watcher.Players.Single(p => p.DesktopEntry is null && p.BusName.EndsWith("silentplayer", StringComparison.Ordinal)).Answered);
        var wrongSeen = watcher.Players.Single(p => p.BusName.EndsWith("wrongplayer", StringComparison.Ordinal));
        Assert.Equal((true, null, null, "Playing"), (wrongSeen.Answered, wrongSeen.Identity, wrongSeen.Title, wrongSeen.Playback));
        Assert.Empty(wrongSeen.Artists);

        var media = new MediaEnricher(watcher);
        Assert.Equal(SpanContext.Of((ContextKeys.Track, "Good Song"), (ContextKeys.Artist, "Ann"), (ContextKeys.Player, "Test Player"), (ContextKeys.Playback, "playing")),
            Enrich(media, new ForegroundSample("testplayer", "Good Song", "testplayer", null)));
        Assert.False(media.Applies(new ForegroundSample("silentplayer", "x", "silentplayer", null)));
        // What was of the right type is used; the rest is left out.
        Assert.Equal(SpanContext.Of((ContextKeys.Player, "wrongplayer"), (ContextKeys.Playback, "playing")),
            Enrich(media, new ForegroundSample("wrongplayer", "x", "wrongplayer", null)));

        // Changes of the wrong types are ignored; the watcher still follows the good player after them.
        wrong.Emit("org.mpris.MediaPlayer2.Player", new() { ["Metadata"] = "not a map", ["PlaybackStatus"] = VariantValue.Int32(3) });
        wrong.Emit("org.mpris.MediaPlayer2.Player", new() { ["Metadata"] = new Dict<string, VariantValue> { ["xesam:artist"] = VariantValue.Array(new[] { 1, 2 }) }.AsVariantValue() });
        wrong.Emit("org.mpris.MediaPlayer2", new() { ["Identity"] = VariantValue.Array(new[] { "a" }), ["DesktopEntry"] = new string('d', 100_000) });
        // Signals from one sender arrive in order: once the last is seen, the ones before it were handled.
        await Eventually.Until(() => watcher.Players.Single(p => p.BusName.EndsWith("wrongplayer", StringComparison.Ordinal)).DesktopEntry?.Length == 128,
            Deadline, "the over-long desktop entry, cut");
        wrongSeen = watcher.Players.Single(p => p.BusName.EndsWith("wrongplayer", StringComparison.Ordinal));
        Assert.Equal(("Playing", null, null), (wrongSeen.Playback, wrongSeen.Identity, wrongSeen.Title));
        good.SetTrack("Next Good Song", "Bob");
        await Eventually.Until(() => watcher.Players.Any(p => p.Title == "Next Good Song"), Deadline, "the good player's next track");

        // A player that did not answer in time and then sends a change is asked again.
        silent.StartAnswering();
        silent.SetTrack("Heard At Last", "Somebody");
        await Eventually.Until(() => watcher.Players.Any(p => p.Answered && p.Title == "Heard At Last" && p.Identity == "Silent"), Deadline, "the once silent player, answering");
        Assert.Equal("Heard At Last", Enrich(media, new ForegroundSample("silentplayer", "x", "silentplayer", null))?[ContextKeys.Track]);
        Assert.Null(watcher.Unavailable);
    }

    [Fact]
    public async Task The_bus_going_away_makes_media_unavailable_and_says_why()
    {
        using var bus = new PrivateBus();
        await using var player = await TestMprisPlayer.StartAsync(bus.Address, "testplayer", "Test Player", "Song", ["Ann"]);
        var time = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(DateTimeOffset.UtcNow);
        using var watcher = new MprisWatcher(bus.Address, time, new AgentLog(TextWriter.Null)).Start();
        await watcher.Ready.WaitAsync(Deadline);
        Assert.Equal(time.GetUtcNow(), watcher.LastPlayingAt(time.GetUtcNow()));
        var media = new MediaEnricher(watcher);
        var stage = new ContextStage([media], new PrivacyFilter(new PrivacySettings()), new ContextSettings(), time, new AgentLog(TextWriter.Null), watcher);
        Assert.Equal(["media"], stage.Describe());

        var changed = 0;
        watcher.Changed += () => Interlocked.Increment(ref changed);
        var gone = time.GetUtcNow();
        await bus.StopAsync();
        await Eventually.Until(() => watcher.Unavailable is not null, Deadline, "media unavailable");
        Assert.Contains("session bus closed", watcher.Unavailable);
        Assert.Equal(watcher.Unavailable, media.Unavailable);
        Assert.Equal([$"media (not working: {watcher.Unavailable})"], stage.Describe());
        Assert.Empty(watcher.Players);
        Assert.True(Volatile.Read(ref changed) > 0);
        Assert.False(media.Applies(new ForegroundSample("testplayer", "Song", "testplayer", null)));
        // What played until the bus went away still counts as that long ago.
        time.Advance(TimeSpan.FromMinutes(1));
        Assert.Equal(gone, watcher.LastPlayingAt(time.GetUtcNow()));
    }

    [Fact]
    public async Task No_bus_there_is_unavailable_not_an_error()
    {
        using var dir = new TempDirectory();
        using var watcher = new MprisWatcher($"unix:path={dir.File("no-bus")}", TimeProvider.System, new AgentLog(TextWriter.Null)).Start();
        await watcher.Ready.WaitAsync(Deadline);
        Assert.StartsWith("session bus not reachable", watcher.Unavailable);
        Assert.Empty(watcher.Players);
        Assert.Null(watcher.LastPlayingAt(DateTimeOffset.UtcNow));
    }

    [Fact]
    public async Task At_most_32_players_are_followed()
    {
        using var bus = new PrivateBus();
        var players = new List<TestMprisPlayer>();
        try
        {
            for (var i = 0; i < MprisWatcher.MaxPlayers + 3; i++)
                players.Add(await TestMprisPlayer.StartAsync(bus.Address, $"p{i}", $"P{i}", $"Song {i}", ["Ann"]));
            using var watcher = new MprisWatcher(bus.Address, TimeProvider.System, new AgentLog(TextWriter.Null)).Start();
            await watcher.Ready.WaitAsync(Deadline);
            Assert.Equal(MprisWatcher.MaxPlayers, watcher.Players.Count);
            Assert.All(watcher.Players, p => Assert.True(p.Answered));
        }
        finally
        {
            foreach (var p in players) await p.DisposeAsync();
        }
    }

    internal static SpanContext? Enrich(IContextEnricher enricher, ForegroundSample sample)
    {
        if (!enricher.Applies(sample)) return null;
        var facts = new ContextFacts();
        enricher.Enrich(sample, facts, TimeSpan.FromSeconds(1));
        return facts.ToContext();
    }
}
