using Microsoft.Playwright;
using Presently.Protocol;
using Presently.Tests.Fixtures;

namespace Presently.Tests.EndToEnd;

/// <summary>
/// Every page a person opens, in headless Chromium, as the admin (who sees them all) over a little
/// data: each answers 200, shows its heading, runs no injected script, logs no console error (the
/// strict CSP refuses inline script and style), and is saved as page-NAME.png.
/// </summary>
[Collection(TimingSensitive.Name)]
public sealed class PageGalleryTests
{
    private static readonly (string Name, string Path)[] Pages =
    [
        ("board", "/"), ("reports", "/reports?range=7d&tz=UTC"), ("timeline", "/timeline?person=Ann&tz=UTC"),
        ("account", "/account"), ("account-agents", "/account/agents"), ("account-time", "/account/time"), ("account-visibility", "/account/visibility"),
        ("agents", "/admin/agents"), ("enrollment", "/admin/codes"), ("people", "/admin/people"), ("teams", "/admin/teams"), ("categories", "/admin/categories"),
        ("retention", "/admin/retention"), ("audit", "/admin/audit"), ("api-reference", "/docs/api"),
    ];

    [Fact]
    public async Task Every_page_renders_under_the_content_security_policy_and_is_saved_as_a_screenshot()
    {
        await using var browser = await HeadlessBrowser.StartAsync();
        await using var server = await ServerHost.StartAsync();
        var now = DateTimeOffset.UtcNow;
        var (id, token) = await server.EnrollAsync("Ann", "ann-laptop");
        await using var agent = await TestAgentClient.ConnectAsync(server.AgentUri, token);
        await agent.SendAsync(TestAgentClient.NewHello(id) with { Host = "ann-laptop" });
        Assert.IsType<Welcome>(await agent.ReceiveAsync());
        await agent.SendAsync(new SpanBatch([
            new SpanRecord(1, 1, (now - TimeSpan.FromHours(2)).ToUnixTimeMilliseconds(), (now - TimeSpan.FromHours(1)).ToUnixTimeMilliseconds(), SpanState.Active, "Code", "report.cs — presently", null),
            new SpanRecord(2, 2, (now - TimeSpan.FromHours(1)).ToUnixTimeMilliseconds(), now.ToUnixTimeMilliseconds(), SpanState.Active, "firefox", "Pull request #42", null),
        ]));
        Assert.IsType<Ack>(await agent.ReceiveAsync());

        var (page, dialogs) = await browser.NewPageAsync();
        var errors = new List<string>();
        page.Console += (_, message) => { if (message.Type == "error") errors.Add($"{message.Text} ({message.Location})"); };
        await page.GotoAsync(new Uri(server.BaseUri, "/login").ToString());
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = HeadlessBrowser.ArtifactPath("page-login.png"), FullPage = true });
        await page.FillAsync("input[name=name]", ServerHost.AdminName);
        await page.FillAsync("input[name=password]", ServerHost.AdminPassword);
        await page.ClickAsync("button[type=submit]");
        await page.WaitForURLAsync(server.BaseUri.ToString(), new() { WaitUntil = WaitUntilState.Commit });

        foreach (var (name, path) in Pages)
        {
            var response = await page.GotoAsync(new Uri(server.BaseUri, path).ToString());
            Assert.True(response is { Status: 200 }, $"{path} answered {response?.Status}");
            await Assertions.Expect(page.Locator("h1").First).ToBeVisibleAsync();
            await page.ScreenshotAsync(new PageScreenshotOptions { Path = HeadlessBrowser.ArtifactPath($"page-{name}.png"), FullPage = true });
            Assert.True(errors.Count == 0, $"{path}: {string.Join(" | ", errors)}");
        }
        Assert.Empty(dialogs);
    }
}
