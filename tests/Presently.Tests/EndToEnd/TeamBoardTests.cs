using Microsoft.Playwright;
using Presently.Protocol;
using Presently.Tests.Fixtures;

namespace Presently.Tests.EndToEnd;

/// <summary>A board with several people in every state, in headless Chromium; saves board-team.png and report.png.</summary>
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

        var (page, dialogs) = await browser.NewPageAsync();
        await page.GotoAsync(new Uri(server.BaseUri, "/login").ToString());
        await page.FillAsync("input[name=name]", ServerHost.AdminName);
        await page.FillAsync("input[name=password]", ServerHost.AdminPassword);
        await page.ClickAsync("button[type=submit]");
        await page.WaitForURLAsync(server.BaseUri.ToString(), new() { WaitUntil = WaitUntilState.Commit }); // the assertions after it wait for what they need

        await Assertions.Expect(page.Locator(".card")).ToHaveCountAsync(5);
        await Assertions.Expect(page.Locator("#agent-" + ids["carol-mac"])).ToHaveClassAsync("card offline");
        await Assertions.Expect(page.Locator("#agent-" + ids["bob-desktop"])).ToHaveClassAsync("card idle");
        await Assertions.Expect(page.Locator("#agent-" + ids["erin-laptop"] + " .app")).ToHaveTextAsync("Private");
        await Assertions.Expect(page.Locator("#agent-" + ids["dave-thinkpad"] + " .skew")).ToContainTextAsync("behind");
        await Assertions.Expect(page.Locator("#agent-" + ids["ann-laptop"] + " .since")).ToHaveTextAsync("for 40 m");
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = HeadlessBrowser.ArtifactPath("board-team.png") });

        // The last 7 days always hold these spans, whatever the hour CI runs at.
        await page.GotoAsync(new Uri(server.BaseUri, "/reports?range=7d&tz=UTC").ToString());
        await Assertions.Expect(page.Locator("#hours-chart")).ToHaveAttributeAsync("data-rendered", "true");
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = HeadlessBrowser.ArtifactPath("report.png"), FullPage = true });
        Assert.Empty(dialogs);
        await page.CloseAsync();
        foreach (var a in agents) await a.DisposeAsync();
    }
}
