using System.Net.Http.Json;
using Microsoft.Extensions.DependencyInjection;
using System.Net;
using Presently.Protocol;
using Presently.Storage;
using Presently.Tests.Fixtures;

namespace Presently.Tests.Server;

/// <summary>A person's own time zone and week start: set on /account/time, used by the reports page and the timeline.</summary>
public sealed class TimePreferencesTests : IAsyncLifetime
{
    private ServerHost _server = null!;

    public async ValueTask InitializeAsync() => _server = await ServerHost.StartAsync();

    public async ValueTask DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public async Task A_persons_zone_and_week_start_shape_their_reports_and_timeline_until_an_address_names_a_zone()
    {
        using var ann = await _server.SignInAsync("ann", Role.Member);
        var before = await ann.Http.GetStringAsync("/reports?range=today");
        Assert.Contains("shown in UTC", before);
        Assert.DoesNotContain("data-preferred", before);

        var saved = await ann.PostFormAsync("/account/time", "/account/time", new() { ["tz"] = "Asia/Kolkata", ["weekStart"] = "Sunday" });
        Assert.Equal(HttpStatusCode.OK, saved.StatusCode);
        Assert.Contains("Saved.", await saved.Content.ReadAsStringAsync());

        var reports = await ann.Http.GetStringAsync("/reports?range=week");
        Assert.Contains("shown in Asia/Kolkata", reports);
        Assert.Contains("id=\"tz\" value=\"Asia/Kolkata\" data-preferred=\"true\"", reports);
        // "This week" starts on the last Sunday, at midnight in Kolkata (18:30 UTC the day before).
        var today = DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(DateTimeOffset.UtcNow, TimeZoneInfo.FindSystemTimeZoneById("Asia/Kolkata")).DateTime);
        var sunday = today.AddDays(-(int)today.DayOfWeek);
        Assert.Contains($"name=\"from\" value=\"{sunday:yyyy-MM-dd}\"", reports);
        Assert.Contains($"{sunday.AddDays(-1):yyyy-MM-dd} 18:30 –", reports);

        // An address that names a zone wins.
        Assert.Contains("shown in Europe/Berlin", await ann.Http.GetStringAsync("/reports?range=today&tz=Europe/Berlin"));
        Assert.Contains("data-preferred=\"true\"", await ann.Http.GetStringAsync("/timeline"));
        Assert.Contains("in Asia/Kolkata", await ann.Http.GetStringAsync("/timeline"));

        // Others keep theirs.
        using var bob = await _server.SignInAsync("bob", Role.Member);
        Assert.Contains("shown in UTC", await bob.Http.GetStringAsync("/reports?range=today"));
    }

    [Theory]
    [InlineData("Mars/Olympus", "Monday")]
    [InlineData("UTC", "Tuesday")]
    [InlineData("UTC", "7")]
    public async Task Unknown_zones_and_week_starts_are_refused_with_one_line(string tz, string weekStart)
    {
        using var ann = await _server.SignInAsync("ann", Role.Member);
        var response = await ann.PostFormAsync("/account/time", "/account/time", new() { ["tz"] = tz, ["weekStart"] = weekStart });
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Matches("<p class=\"error\">[^<]+</p>", await response.Content.ReadAsStringAsync());
        Assert.Equal(PersonPreferences.Default,
            await _server.Services.GetRequiredService<IPreferencesStore>().GetPreferencesAsync((await _server.Services.GetRequiredService<IAccountStore>().FindPersonAsync("ann"))!.Id));
    }

    [Fact]
    public async Task A_day_that_starts_at_four_counts_the_small_hours_for_the_day_before()
    {
        var t = new DateTimeOffset(2026, 11, 28, 0, 0, 0, TimeSpan.Zero);
        await _server.Store.RegisterAgentAsync(new AgentRegistration("night", "nora", "h", "Linux", "1", [], t, 0), sharedCredential: true);
        await _server.Store.CommitAsync([new IngestBatch("night", [
            new Presently.Protocol.SpanRecord(1, 1, t.AddHours(2).ToUnixTimeMilliseconds(), t.AddHours(3).ToUnixTimeMilliseconds(), Presently.Protocol.SpanState.Active, "code", null, null),
            new Presently.Protocol.SpanRecord(2, 2, t.AddHours(5).ToUnixTimeMilliseconds(), t.AddHours(5.5).ToUnixTimeMilliseconds(), Presently.Protocol.SpanState.Active, "code", null, null)])]);

        var json = await _server.Http.GetFromJsonAsync<System.Text.Json.JsonElement>("/api/v1/report?from=2026-11-27&to=2026-11-29&groupBy=day&tz=UTC&dayStart=4");
        var rows = json.GetProperty("rows").EnumerateArray().ToDictionary(r => r.GetProperty("day").GetString()!, r => r.GetProperty("seconds").GetDouble());
        Assert.Equal(3600, rows["2026-11-27"]);  // 02:00–03:00 on the 28th: the night of the 27th
        Assert.Equal(1800, rows["2026-11-28"]);
        // A date means 04:00 of that day: the period starts there.
        Assert.Equal(new DateTimeOffset(2026, 11, 27, 4, 0, 0, TimeSpan.Zero), json.GetProperty("from").GetDateTimeOffset());
        var midnight = await _server.Http.GetFromJsonAsync<System.Text.Json.JsonElement>("/api/v1/report?from=2026-11-27&to=2026-11-29&groupBy=day&tz=UTC");
        Assert.Equal(5400, midnight.GetProperty("rows").EnumerateArray().Single().GetProperty("seconds").GetDouble());
        Assert.Equal(HttpStatusCode.BadRequest, (await _server.Http.GetAsync("/api/v1/report?dayStart=24")).StatusCode);

        // Set as a preference, the page uses it and says so; the timeline starts its axis there.
        using var nora = await _server.SignInAsync("nora", Role.Member);
        await nora.PostFormAsync("/account/time", "/account/time", new() { ["tz"] = "UTC", ["weekStart"] = "Monday", ["dayStart"] = "4" });
        var page = await nora.Http.GetStringAsync("/reports?range=custom&from=2026-11-27&to=2026-11-28&by=day&then=none");
        Assert.Contains("days from 04:00", page);
        Assert.Contains("<td>2026-11-27</td><td>1:00:00</td>", page);
        Assert.Contains("&amp;dayStart=4", page);
        var timeline = await nora.Http.GetStringAsync("/timeline?date=2026-11-27");
        Assert.Contains(">04:00</a>", timeline);
        Assert.Contains("x=\"79200\" width=\"3600\"", timeline); // 02:00 on the 28th is 22 h into the 27th's day
    }
}
