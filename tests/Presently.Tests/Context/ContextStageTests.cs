using Microsoft.Extensions.Time.Testing;
using Presently.Agent;
using Presently.Agent.Context;
using Presently.Agent.Privacy;
using Presently.Agent.Sensors;

namespace Presently.Tests.Context;

/// <summary>Enrichers have a budget, cannot break each other, and say in status when they were switched off.</summary>
public class ContextStageTests
{
    private static readonly ForegroundSample Sample = new("App", "Title", "app", TimeSpan.FromMinutes(10));

    private static ContextStage Stage(IContextEnricher[] enrichers, IPresenceSource? presence = null, TimeProvider? time = null, bool mediaPresent = true) =>
        new(enrichers, new PrivacyFilter(new PrivacySettings()), new ContextSettings { Budget = TimeSpan.FromMilliseconds(50), MediaCountsAsPresent = mediaPresent },
            time ?? TimeProvider.System, new AgentLog(TextWriter.Null), presence);

    [Fact]
    public void A_throwing_enricher_costs_only_its_own_facts_and_is_switched_off_after_three_failures()
    {
        var stage = Stage([new Enricher("broken", (_, _) => throw new IOException("/proc/42/stat vanished")), new Enricher("fine", (f, _) => f.Set("tab", "ok"))]);
        for (var i = 0; i < 3; i++)
        {
            Assert.Equal("ok", stage.Enrich(Sample).Context!["tab"]);
            if (i < 2) Assert.Equal(0, stage.Version);
        }
        Assert.Equal(1, stage.Version);
        Assert.Equal(["broken (switched off: failed: IOException: /proc/42/stat vanished)", "fine"], stage.Describe());
    }

    [Fact]
    public void An_enricher_over_its_budget_is_switched_off_after_three_overruns()
    {
        var given = TimeSpan.Zero;
        var slow = new Enricher("slow", (f, budget) =>
        {
            // An enricher that ignores its budget: it takes twice as long (a stand-in for a hung peer).
            given = budget;
            Thread.Sleep(budget * 2);
            f.Set("late", "value");
        });
        var stage = Stage([slow]);
        for (var i = 0; i < 3; i++) stage.Enrich(Sample);
        Assert.Equal(TimeSpan.FromMilliseconds(50), given);
        Assert.StartsWith("slow (switched off: took ", stage.Describe()[0]);
        Assert.Null(stage.Enrich(Sample).Context); // off: it no longer runs
    }

    [Fact]
    public void Media_playing_counts_as_present_unless_switched_off()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 11, 30, 9, 0, 0, TimeSpan.Zero));
        var presence = new Presence { Last = time.GetUtcNow().AddSeconds(-20) };
        Assert.Equal(TimeSpan.FromSeconds(20), Stage([], presence, time).Enrich(Sample).Idle);
        Assert.Equal(TimeSpan.FromMinutes(10), Stage([], presence, time, mediaPresent: false).Enrich(Sample).Idle);
        presence.Last = null;
        Assert.Equal(TimeSpan.FromMinutes(10), Stage([], presence, time).Enrich(Sample).Idle);
        // Input more recent than the music: the input counts.
        presence.Last = time.GetUtcNow().AddMinutes(-30);
        Assert.Equal(TimeSpan.FromMinutes(10), Stage([], presence, time).Enrich(Sample).Idle);
    }

    private sealed class Enricher(string name, Action<ContextFacts, TimeSpan> enrich) : IContextEnricher
    {
        public string Name => name;
        public bool ChangesWithoutWindowEvents => false;
        public bool Applies(ForegroundSample sample) => true;
        public void Enrich(ForegroundSample sample, ContextFacts facts, TimeSpan budget) => enrich(facts, budget);
    }

    private sealed class Presence : IPresenceSource
    {
        public DateTimeOffset? Last { get; set; }
        public DateTimeOffset? LastPlayingAt(DateTimeOffset now) => Last;
#pragma warning disable CS0067 // not raised: these tests call Enrich themselves
        public event Action? Changed;
#pragma warning restore CS0067
    }
}
