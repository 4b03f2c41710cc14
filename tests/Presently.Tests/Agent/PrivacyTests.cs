using System.Text;
using Microsoft.Extensions.Time.Testing;
using Presently.Agent;
using Presently.Agent.Config;
using Presently.Agent.Journal;
using Presently.Agent.Privacy;
using Presently.Agent.Sensors;
using Presently.Protocol;
using Presently.Tests.Faults;
using Presently.Tests.Fixtures;

namespace Presently.Tests.Agent;

public sealed class PrivacyTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    private static PrivacyFilter Filter(Action<PrivacySettings> configure)
    {
        var settings = new PrivacySettings();
        configure(settings);
        return new PrivacyFilter(settings);
    }

    [Theory]
    [InlineData("KeePassXC", "keepassxc", true)]
    [InlineData("Signal", "signal-desktop", true)]      // regex on the process name
    [InlineData("XTerm", "xterm", false)]
    public void Excluded_apps_lose_name_and_title(string app, string process, bool excluded)
    {
        var filter = Filter(s => s.ExcludeApps = ["keepassxc", "/^signal-/"]);
        var r = filter.Apply(new ForegroundSample(app, "secret title", process, null));
        Assert.Equal(excluded, r.Excluded);
        Assert.Equal(excluded ? null : app, r.App);
        Assert.Equal(excluded ? null : "secret title", r.Title);
    }

    [Fact]
    public void Titles_are_redacted_in_order_and_can_be_switched_off()
    {
        var filter = Filter(s => s.RedactTitles = [new() { Pattern = @"[\w.]+@[\w.]+", Replacement = "<email>" }, new() { Pattern = @"\d{4,}", Replacement = "#" }]);
        Assert.Equal("Mail to <email> about #", filter.Apply(new ForegroundSample("Mail", "Mail to ann@example.com about 123456", null, null)).Title);
        Assert.Null(Filter(s => s.SendTitles = false).Apply(new ForegroundSample("Mail", "anything", null, null)).Title);
    }

    [Fact]
    public void A_bad_regex_is_a_config_error_naming_it() =>
        Assert.Contains("(unclosed", Assert.Throws<ConfigException>(() => Filter(s => s.ExcludeApps = ["/(unclosed/"])).Message);

    [Fact]
    public async Task Excluded_apps_and_redacted_titles_never_reach_the_journal()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow.AddHours(-1));
        using var sensor = new ScriptedSensor(time, [("Editor", 30), ("KeePassXC", 30), ("Mail", 30)]);
        var settings = new AgentSettings
        {
            Server = "http://127.0.0.1:9", // nothing listens: everything stays in the journal
            Token = "t",
            AgentId = "privacy-agent",
            StateDirectory = _dir.File("agent"),
            MaxBackoff = TimeSpan.FromSeconds(1),
            Privacy = new PrivacySettings
            {
                ExcludeApps = ["keepassxc"],
                RedactTitles = [new RedactionRule { Pattern = "Mail title", Replacement = "[redacted]" }],
            },
        };
        using var stop = new CancellationTokenSource();
        var run = new AgentRunner(settings, sensor, null, time, new AgentLog(TextWriter.Null)).RunAsync(stop.Token);
        await sensor.Played.WaitAsync(TimeSpan.FromSeconds(30));
        sensor.Release();
        await run.WaitAsync(TimeSpan.FromSeconds(30));

        var journalDir = Path.Combine(settings.StateDirectory, "journal");
        var raw = string.Concat(Directory.GetFiles(journalDir, "*.pjl").Select(f => Encoding.UTF8.GetString(File.ReadAllBytes(f))));
        Assert.DoesNotContain("KeePassXC", raw, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("Mail title", raw);

        using var journal = SpanJournal.Open(new JournalOptions(journalDir), new AgentLog(TextWriter.Null));
        var records = journal.ReadAfter(0, 1000, 1_000_000);
        var privateSpan = Assert.Single(records.Where(r => r.State == SpanState.Private).GroupBy(r => r.SpanId));
        Assert.All(privateSpan, r => Assert.Equal((null, null), (r.App, r.Title)));
        Assert.Equal(30_000, privateSpan.Max(r => r.EndMs - r.StartMs));
        Assert.Contains(records, r => r.App == "Mail" && r.Title == "[redacted]");
    }
}
