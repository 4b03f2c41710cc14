using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using Presently.Protocol;
using Presently.Server.Admin;
using Presently.Storage;
using Presently.Tests.Fixtures;
using static Presently.Server.Board.BoardIds;

namespace Presently.Tests.EndToEnd;

/// <summary>A board with several people in teams and in every state, in headless Chromium; saves board-team.png, board-search.png and report.png.</summary>
[Collection(TimingSensitive.Name)]
public sealed class TeamBoardTests
{
    [Fact]
    public async Task The_board_shows_each_state_and_the_report_draws_its_chart()
    {
        await using var browser = await HeadlessBrowser.StartAsync();
        await using var server = await ServerHost.StartAsync();
        var now = DateTimeOffset.UtcNow;
        long Ms(TimeSpan ago) => (now - ago).ToUnixTimeMilliseconds();

        var agents = new List<TestAgentClient>();
        var ids = new Dictionary<string, string>();
        async Task AgentAsync(string host, long clockSkewMs, params SpanRecord[] spans)
        {
            var person = host.Split('-')[0];
            var (id, token) = await server.EnrollAsync(char.ToUpperInvariant(person[0]) + person[1..], host);
            ids[host] = id;
            var client = await TestAgentClient.ConnectAsync(server.AgentUri, token);
            await client.SendAsync(TestAgentClient.NewHello(id) with { Host = host, AgentClockMs = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() - clockSkewMs });
            Assert.IsType<Welcome>(await client.ReceiveAsync());
            var corrected = spans.Select(s => s with { StartMs = s.StartMs - clockSkewMs, EndMs = s.EndMs - clockSkewMs }).ToArray();
            await client.SendAsync(new SpanBatch(corrected));
            Assert.IsType<Ack>(await client.ReceiveAsync());
            agents.Add(client);
        }

        await AgentAsync("ann-laptop", 0,
            new SpanRecord(1, 1, Ms(TimeSpan.FromHours(3)), Ms(TimeSpan.FromHours(1)), SpanState.Active, "Code", "report.cs — presently", null),
            new SpanRecord(2, 2, Ms(TimeSpan.FromHours(1)), Ms(TimeSpan.FromMinutes(40)), SpanState.Active, "firefox", "Pull request #42", null),
            new SpanRecord(3, 3, Ms(TimeSpan.FromMinutes(40)), Ms(TimeSpan.Zero), SpanState.Active, "Code", "journal.cs — presently", null));
        await AgentAsync("bob-desktop", 0,
            new SpanRecord(1, 1, Ms(TimeSpan.FromHours(2)), Ms(TimeSpan.FromMinutes(12)), SpanState.Active, "Slack", "#release", null),
            new SpanRecord(2, 2, Ms(TimeSpan.FromMinutes(12)), Ms(TimeSpan.Zero), SpanState.Idle, "Slack", "#release", null));
        await AgentAsync("carol-mac", 0,
            new SpanRecord(1, 1, Ms(TimeSpan.FromHours(4)), Ms(TimeSpan.FromHours(2)), SpanState.Active, "Figma", "Board redesign", null));
        await AgentAsync("dave-thinkpad", 42_000,
            new SpanRecord(1, 1, Ms(TimeSpan.FromMinutes(95)), Ms(TimeSpan.Zero), SpanState.Active, "XTerm", "vim ingest.cs", null));
        await AgentAsync("erin-laptop", 0,
            new SpanRecord(1, 1, Ms(TimeSpan.FromMinutes(30)), Ms(TimeSpan.Zero), SpanState.Private, null, null, null));
        await agents[2].DisposeAsync(); // carol goes offline
        // Ann's second computer, idle since she turned to the laptop: still one card, the laptop in front.
        await AgentAsync("ann-desktop", 0,
            new SpanRecord(1, 1, Ms(TimeSpan.FromHours(5)), Ms(TimeSpan.FromHours(4)), SpanState.Active, "Code", "board.js — presently", null),
            new SpanRecord(2, 2, Ms(TimeSpan.FromHours(4)), Ms(TimeSpan.Zero), SpanState.Idle, null, null, null));
        await AgentAsync("frank-laptop", 0,
            new SpanRecord(1, 1, Ms(TimeSpan.FromMinutes(25)), Ms(TimeSpan.Zero), SpanState.Active, "zoom", "Zoom Meeting", null));

        var teams = server.Services.GetRequiredService<Teams>();
        var accounts = server.Services.GetRequiredService<IAccountStore>();
        Assert.Null(await teams.CreateAsync("admin", "Platform"));
        Assert.Null(await teams.CreateAsync("admin", "Design"));
        var byName = (await server.Services.GetRequiredService<ITeamStore>().ListTeamsAsync()).ToDictionary(t => t.Name, t => t.Id);
        foreach (var (person, team) in new[] { ("Ann", "Platform"), ("Dave", "Platform"), ("Frank", "Platform"), ("Carol", "Design"), ("Erin", "Design") })
            Assert.True(await teams.SetTeamAsync("admin", (await accounts.FindPersonAsync(person))!.Id, byName[team]));

        var (page, dialogs) = await browser.NewPageAsync();
        await HeadlessBrowser.SignInAsAdminAsync(page, server.BaseUri);

        // One card per person, in their team's section (Bob has none), in name order.
        await Assertions.Expect(page.Locator(".card")).ToHaveCountAsync(6);
        await Assertions.Expect(page.Locator("section.team[data-team=Platform] .card .person")).ToHaveTextAsync(["Ann", "Dave", "Frank"]);
        await Assertions.Expect(page.Locator("section.team[data-team=Design] .card .person")).ToHaveTextAsync(["Carol", "Erin"]);
        await Assertions.Expect(page.Locator("section.team[data-team=''] .card .person")).ToHaveTextAsync(["Bob"]);
        await Assertions.Expect(page.Locator("#" + Person("Carol"))).ToHaveClassAsync("card offline");
        await Assertions.Expect(page.Locator("#" + Person("Bob"))).ToHaveClassAsync("card idle");
        await Assertions.Expect(page.Locator("#" + Person("Frank"))).ToHaveClassAsync("card meeting");
        await Assertions.Expect(page.Locator("#" + Person("Frank") + " > footer .status")).ToHaveTextAsync("in a meeting");
        await Assertions.Expect(page.Locator("#" + Person("Erin") + " .app")).ToHaveTextAsync("Private");
        await Assertions.Expect(page.Locator("#" + Person("Dave") + " .skew")).ToContainTextAsync("behind");
        await Assertions.Expect(page.Locator("#" + Person("Ann"))).ToHaveAttributeAsync("data-agent", ids["ann-laptop"]);
        await Assertions.Expect(page.Locator("#" + Person("Ann") + " > .doing .app")).ToHaveTextAsync("Code");
        await Assertions.Expect(page.Locator("#" + Person("Ann") + " .devices .device")).ToHaveTextAsync(["ann-desktop idle"]);
        await Assertions.Expect(page.Locator("#" + Person("Ann") + " > footer .since")).ToHaveTextAsync("for 40 m");
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = HeadlessBrowser.ArtifactPath("board-team.png"), FullPage = true });

        // Search narrows the board to the cards that mention every word; a team with none left is hidden.
        await page.FillAsync("#board-search", "figma");
        await Assertions.Expect(page.Locator(".card:visible .person")).ToHaveTextAsync(["Carol"]);
        await Assertions.Expect(page.Locator("section.team[data-team=Platform]")).ToBeHiddenAsync();
        await page.FillAsync("#board-search", "platform code");
        await Assertions.Expect(page.Locator(".card:visible .person")).ToHaveTextAsync(["Ann"]);
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = HeadlessBrowser.ArtifactPath("board-search.png") });
        await page.FillAsync("#board-search", "");
        await Assertions.Expect(page.Locator(".card:visible")).ToHaveCountAsync(6);

        // The last 7 days always hold these spans, whatever the hour CI runs at.
        await page.GotoAsync(new Uri(server.BaseUri, "/reports?range=7d&tz=UTC").ToString());
        await Assertions.Expect(page.Locator("#hours-chart")).ToHaveAttributeAsync("data-rendered", "true");
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = HeadlessBrowser.ArtifactPath("report.png"), FullPage = true });

        // Another grouping, picked on the page: a stacked bar per day, split by person.
        await page.SelectOptionAsync("#by", "day");
        await page.SelectOptionAsync("#then", "person");
        await page.ClickAsync("form.range button[type=submit]");
        await Assertions.Expect(page.Locator("#hours-chart")).ToHaveAttributeAsync("data-dims", "day,person");
        await Assertions.Expect(page.Locator("#hours-chart")).ToHaveAttributeAsync("data-rendered", "true");
        await Assertions.Expect(page.Locator("#per-day tbody tr").First).ToBeVisibleAsync();
        await Assertions.Expect(page.Locator("#per-person tbody tr")).Not.ToHaveCountAsync(0);
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = HeadlessBrowser.ArtifactPath("report-by-day.png"), FullPage = true });

        // Ann's day from her card: a lane per computer, then zoomed into the last hours.
        await page.GotoAsync(server.BaseUri.ToString());
        await page.ClickAsync("#" + Person("Ann") + " .person a");
        await page.WaitForURLAsync(new System.Text.RegularExpressions.Regex("/timeline\\?person=Ann"));
        await Assertions.Expect(page.Locator(".lane .lane-name")).ToHaveTextAsync(["ann-desktop", "ann-laptop"]);
        await Assertions.Expect(page.Locator(".lane[data-agent='" + ids["ann-laptop"] + "'] rect.seg.active")).ToHaveCountAsync(3);
        await Assertions.Expect(page.Locator("#top-titles tbody tr").First).ToContainTextAsync("Code");
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = HeadlessBrowser.ArtifactPath("timeline.png"), FullPage = true });
        await Assertions.Expect(page.Locator(".axis td a")).ToHaveCountAsync(24);
        await page.ClickAsync("#zoom-in");
        await Assertions.Expect(page.Locator(".axis td a")).ToHaveCountAsync(12);
        await page.ClickAsync("#zoom-in");
        await Assertions.Expect(page.Locator(".axis td a")).ToHaveCountAsync(6);
        await page.ClickAsync("#zoom-out");
        await Assertions.Expect(page.Locator(".axis td a")).ToHaveCountAsync(12);
        await page.ClickAsync("#whole-day");
        await Assertions.Expect(page.Locator(".axis td a")).ToHaveCountAsync(24);
        Assert.Empty(dialogs);
        await page.CloseAsync();
        foreach (var a in agents) await a.DisposeAsync();
    }
}
