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
}
