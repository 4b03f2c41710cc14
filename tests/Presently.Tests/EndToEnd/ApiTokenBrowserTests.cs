using System.Net;
using System.Text.Json;
using Microsoft.Playwright;
using Presently.Tests.Fixtures;

namespace Presently.Tests.EndToEnd;

/// <summary>
/// A person makes an API token on their account page in headless Chromium, copies it from the page
/// and a script uses it; saves account-api-tokens.png and api-reference.png.
/// </summary>
[Collection(TimingSensitive.Name)]
public sealed class ApiTokenBrowserTests
{
    [Fact]
    public async Task A_token_made_in_the_browser_works_from_a_script()
    {
        await using var browser = await HeadlessBrowser.StartAsync();
        await using var server = await ServerHost.StartAsync();
        var (agentId, _) = await server.EnrollAsync(ServerHost.AdminName, "admin-laptop");

        var (page, dialogs) = await browser.NewPageAsync();
        await HeadlessBrowser.SignInAsAdminAsync(page, server.BaseUri);

        await page.GotoAsync(new Uri(server.BaseUri, "/account").ToString());
        await page.FillAsync("form[action='/account/tokens'] input[name=name]", "hours dashboard");
        await page.ClickAsync("form[action='/account/tokens'] button[type=submit]");
        var secret = (await page.Locator("#new-token-secret").InnerTextAsync()).Trim();
        Assert.Matches("^pat_[A-Za-z0-9_-]{43}$", secret);
        await Assertions.Expect(page.Locator("#tokens tbody tr")).ToHaveCountAsync(1);
        await Assertions.Expect(page.Locator("#tokens tbody tr td").First).ToHaveTextAsync("hours dashboard");
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = HeadlessBrowser.ArtifactPath("account-api-tokens.png"), FullPage = true });

        using var script = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false, UseCookies = false }) { BaseAddress = server.BaseUri };
        script.DefaultRequestHeaders.Authorization = new("Bearer", secret);
        var agents = JsonDocument.Parse(await script.GetStringAsync("/api/v1/agents")).RootElement;
        Assert.Contains(agentId, agents.EnumerateArray().Select(a => a.GetProperty("agentId").GetString()));
        Assert.Equal(HttpStatusCode.OK, (await script.GetAsync("/api/v1/report?groupBy=person")).StatusCode);

        // Reloaded, the page lists the token and its use, and shows the secret no more.
        await page.GotoAsync(new Uri(server.BaseUri, "/account").ToString());
        await Assertions.Expect(page.Locator("#new-token-secret")).ToHaveCountAsync(0);
        await Assertions.Expect(page.Locator("#tokens tbody tr td").Nth(3)).Not.ToHaveTextAsync("never");
        Assert.DoesNotContain(secret, await page.ContentAsync());

        // The reference, linked from the account page, renders with the page's CSP and no script of its own.
        await page.ClickAsync("text=API reference");
        foreach (var op in new[] { "get-api-v1-report", "get-api-v1-agents", "post-api-v1-enroll" }) await Assertions.Expect(page.Locator("#" + op)).ToBeVisibleAsync();
        await Assertions.Expect(page.Locator("#get-api-v1-report pre.curl")).ToContainTextAsync("Authorization: Bearer $PRESENTLY_TOKEN");
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = HeadlessBrowser.ArtifactPath("api-reference.png"), FullPage = true });
        Assert.Empty(dialogs);
        await page.CloseAsync();
    }
}
