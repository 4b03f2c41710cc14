using Microsoft.Extensions.Time.Testing;
using Presently.Agent;
using Presently.Agent.Config;
using Presently.Agent.Context;
using Presently.Agent.Privacy;
using Presently.Agent.Sensors;
using Presently.Agent.Spans;
using Presently.Protocol;

namespace Presently.Tests.Context;

/// <summary>The privacy rules apply to each piece of context; a never-introspected app is only its name.</summary>
public class ContextPrivacyTests
{
    private static readonly SpanContext Found = SpanContext.Of(
        (ContextKeys.Tab, "Salary review for ann@example.com"), (ContextKeys.Site, "hr.example.com"), (ContextKeys.Command, "ssh build-1"))!;

    private static ForegroundSample Sample(string app = "Chromium") => new(app, "Salary review for ann@example.com - Chromium", app.ToLowerInvariant(), null, Context: Found);

    private static PrivacyFilter Filter(Action<PrivacySettings> configure)
    {
        var settings = new PrivacySettings();
        configure(settings);
        return new PrivacyFilter(settings);
    }

    [Fact]
    public void Without_rules_the_context_passes_unchanged() =>
        Assert.Equal(Found, Filter(_ => { }).Apply(Sample()).Context);

    [Fact]
    public void A_never_introspected_app_sends_only_its_name()
    {
        var filter = Filter(s => s.NeverIntrospect = ["chromium", "/^keep/"]);
        var r = filter.Apply(Sample());
        Assert.Equal(("Chromium", null, null, false), (r.App, r.Title, r.Context, r.Excluded));
        Assert.False(filter.MayIntrospect(Sample()));
        Assert.False(filter.MayIntrospect(Sample("KeePassXC")));
        Assert.True(filter.MayIntrospect(Sample("Firefox")));
    }

    [Fact]
    public void Excluded_apps_lose_their_context_with_everything_else()
    {
        var r = Filter(s => s.ExcludeApps = ["chromium"]).Apply(Sample());
        Assert.True(r.Excluded);
        Assert.Null(r.Context);
    }

    [Fact]
    public void Redaction_applies_per_key_and_title_rules_apply_to_every_value()
    {
        var r = Filter(s =>
        {
            s.RedactTitles = [new() { Pattern = @"[\w.]+@[\w.]+", Replacement = "<email>" }];
            s.RedactContext = [new() { Key = "site", Pattern = @"^hr\.", Replacement = "" }, new() { Key = "*", Pattern = "build-\\d", Replacement = "<host>" }];
        }).Apply(Sample());
        Assert.Equal("Salary review for <email>", r.Context![ContextKeys.Tab]);
        Assert.Equal("example.com", r.Context[ContextKeys.Site]);
        Assert.Equal("ssh <host>", r.Context[ContextKeys.Command]);
        Assert.Equal("Salary review for <email> - Chromium", r.Title);
    }

    [Fact]
    public void A_value_redacted_to_nothing_and_dropped_keys_are_not_sent()
    {
        var r = Filter(s =>
        {
            s.DropContext = ["command"];
            s.RedactContext = [new() { Key = "tab", Pattern = ".*", Replacement = "" }];
        }).Apply(Sample());
        Assert.Equal(SpanContext.Of((ContextKeys.Site, "hr.example.com")), r.Context);
    }

    [Fact]
    public void No_titles_means_no_context()
    {
        var r = Filter(s => s.SendTitles = false).Apply(Sample());
        Assert.Null(r.Title);
        Assert.Null(r.Context);
    }

    [Fact]
    public void A_bad_context_rule_is_a_config_error_naming_it()
    {
        Assert.Contains("Tab Key", Assert.Throws<ConfigException>(() => Filter(s => s.RedactContext = [new() { Key = "Tab Key", Pattern = "x" }])).Message);
        Assert.Contains("(unclosed", Assert.Throws<ConfigException>(() => Filter(s => s.RedactContext = [new() { Pattern = "(unclosed" }])).Message);
    }

    [Fact]
    public void No_enricher_runs_for_a_never_introspected_app()
    {
        var counting = new CountingEnricher();
        var stage = new ContextStage([counting], Filter(s => s.NeverIntrospect = ["xterm"]), new ContextSettings(), TimeProvider.System, new AgentLog(TextWriter.Null));
        Assert.Null(stage.Enrich(new ForegroundSample("XTerm", "t", "xterm", null)).Context);
        Assert.Equal(0, counting.Calls);
        Assert.NotNull(stage.Enrich(new ForegroundSample("Foot", "t", "foot", null)).Context);
        Assert.Equal(1, counting.Calls);
    }

    [Fact]
    public void A_new_context_is_a_new_span_and_the_same_one_is_not()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 11, 30, 9, 0, 0, TimeSpan.Zero));
        var builder = new SpanBuilder(new AgentClock(time), new SequenceSource(time), new SpanBuilderOptions(TimeSpan.FromMinutes(3), TimeSpan.FromMinutes(1), GapThreshold: TimeSpan.FromMinutes(5)));
        Observation Track(string track) => new("Spotify", "Spotify", TimeSpan.Zero, Context: SpanContext.Of((ContextKeys.Track, track), (ContextKeys.Artist, "A")));
        var first = Assert.Single(builder.Observe(Track("One")));
        time.Advance(TimeSpan.FromSeconds(30));
        Assert.Empty(builder.Observe(Track("One")));
        time.Advance(TimeSpan.FromSeconds(10));
        var records = builder.Observe(Track("Two"));
        Assert.Equal(2, records.Count);
        Assert.Equal((first.SpanId, "One"), (records[0].SpanId, records[0].Context!["track"]));
        Assert.Equal(records[0].EndMs, records[1].StartMs);
        Assert.Equal("Two", records[1].Context![ContextKeys.Track]);
        // Private time carries no context, whatever was found.
        time.Advance(TimeSpan.FromSeconds(10));
        var hidden = builder.Observe(Track("Three") with { Forced = SpanState.Private });
        Assert.Null(hidden[^1].Context);
    }

    private sealed class CountingEnricher : IContextEnricher
    {
        public int Calls;
        public string Name => "counting";
        public bool ChangesWithoutWindowEvents => false;
        public bool Applies(ForegroundSample sample) => true;
        public void Enrich(ForegroundSample sample, ContextFacts facts, TimeSpan budget)
        {
            Calls++;
            facts.Set("seen", sample.App);
        }
    }
}
