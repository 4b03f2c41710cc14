using System.Net;
using System.Text.RegularExpressions;
using Presently.Protocol;
using Presently.Storage;
using Presently.Tests.Fixtures;

namespace Presently.Tests.Server;

/// <summary>/timeline: a person's day in lanes, numbers from their spans, only for who may see their apps.</summary>
public sealed class TimelinePageTests : IAsyncLifetime
{
    private static readonly DateTimeOffset Day = new(2026, 11, 28, 0, 0, 0, TimeSpan.Zero);
    private ServerHost _server = null!;

    public async ValueTask InitializeAsync()
    {
        _server = await ServerHost.StartAsync();
        foreach (var (agent, person, host) in new[] { ("a-laptop", "ann", "laptop"), ("a-desktop", "ann", "desktop"), ("b-mac", "bob", "mac") })
            await _server.Store.RegisterAgentAsync(new AgentRegistration(agent, person, host, "Linux", "1", [], Day, 0), sharedCredential: true);
        long At(int hour, int minute = 0) => Day.AddHours(hour).AddMinutes(minute).ToUnixTimeMilliseconds();
        await _server.Store.CommitAsync([
            new IngestBatch("a-laptop", [
                new SpanRecord(1, 1, At(9), At(10, 30), SpanState.Active, "code", "<b>report.cs</b>", null),
                new SpanRecord(2, 2, At(10, 30), At(11), SpanState.Idle, null, null, null),
                new SpanRecord(3, 3, At(11), At(11, 20), SpanState.Active, "firefox", "docs", null)]),
            new IngestBatch("a-desktop", [new SpanRecord(1, 1, At(14), At(15), SpanState.Private, null, null, null)]),
            new IngestBatch("b-mac", [new SpanRecord(1, 1, At(9), At(17), SpanState.Active, "figma", "board", null)]),
        ]);
    }

    public async ValueTask DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public async Task A_day_shows_a_lane_per_computer_and_the_top_titles_from_the_spans()
    {
        var html = await _server.Http.GetStringAsync("/timeline?person=ann&date=2026-11-28&tz=UTC");
        Assert.Equal(["desktop", "laptop"], Regex.Matches(html, "<div class=\"lane-name\">([^<]+)</div>").Select(m => m.Groups[1].Value));
        // Seconds from midnight: 09:00 is 32400, 90 minutes 5400.
        Assert.Contains("x=\"32400\" width=\"5400\"", html);
        Assert.Contains("<title>09:00–10:30 (1 h 30 m) code — &lt;b&gt;report.cs&lt;/b&gt;</title>", html);
        Assert.Contains("class=\"seg idle\" x=\"37800\" width=\"1800\"", html);
        Assert.Contains("class=\"seg private\" x=\"50400\" width=\"3600\"", html);
        Assert.Contains("<tr><td>code</td><td>&lt;b&gt;report.cs&lt;/b&gt;</td><td>1 h 30 m</td></tr>", html);
        Assert.DoesNotContain("figma", html);
    }

    [Fact]
    public async Task Zooming_shows_the_window_in_the_same_units_of_seconds()
    {
        var html = await _server.Http.GetStringAsync("/timeline?person=ann&date=2026-11-28&tz=UTC&from=9&hours=2");
        Assert.Contains("viewBox=\"0 0 7200 10\"", html);
        Assert.Contains("x=\"0\" width=\"5400\"", html);                  // code, 09:00–10:30
        Assert.Contains("class=\"seg idle\" x=\"5400\" width=\"1800\"", html);
        Assert.DoesNotContain("seg private", html);                     // 14:00 is outside
        Assert.Contains("from=9&amp;hours=1\" id=\"zoom-in\"", html);
        Assert.Contains("from=8&amp;hours=4\" id=\"zoom-out\"", html);

        // In Berlin the same day starts an hour earlier in UTC: 09:00 UTC is 10:00 there.
        var berlin = await _server.Http.GetStringAsync("/timeline?person=ann&date=2026-11-28&tz=Europe/Berlin&from=10&hours=1");
        Assert.Contains("x=\"0\" width=\"3600\"", berlin);
    }

    [Fact]
    public async Task Others_timelines_need_full_detail_and_bad_parameters_get_one_line()
    {
        using var bob = await _server.SignInAsync("bob", Role.Member);
        Assert.Equal(HttpStatusCode.OK, (await bob.Http.GetAsync("/timeline?date=2026-11-28&tz=UTC")).StatusCode);
        Assert.Contains("figma", await bob.Http.GetStringAsync("/timeline?person=bob&date=2026-11-28&tz=UTC"));
        // Members see each other's presence by default, not their day.
        Assert.Equal(HttpStatusCode.Forbidden, (await bob.Http.GetAsync("/timeline?person=ann&date=2026-11-28&tz=UTC")).StatusCode);

        foreach (var bad in new[] { "date=2026-13-01", "tz=Mars/Olympus", "from=24", "hours=0", "hours=25", "date=0001-01-01" })
        {
            var response = await _server.Http.GetAsync("/timeline?person=ann&" + bad);
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        }
    }
}
