using System.Globalization;
using Microsoft.Playwright;
using Presently.Protocol;
using Presently.Tests.Fixtures;

namespace Presently.Tests.EndToEnd;

/// <summary>
/// Reports by category in headless Chromium, over a person with two computers active at once: the
/// numbers are worked out by hand below; an admin adds a category and the totals change; the CSV
/// follows. Saves report-by-category.png and categories.png.
/// </summary>
[Collection(TimingSensitive.Name)]
public sealed class CategoryReportBrowserTests
{
    [Fact]
    public async Task An_admin_adds_a_category_and_the_report_by_category_changes_counting_a_two_computer_person_once()
    {
        await using var browser = await HeadlessBrowser.StartAsync();
        await using var server = await ServerHost.StartAsync();
        var day = DateOnly.FromDateTime(DateTimeOffset.UtcNow.UtcDateTime).AddDays(-1);
        long At(int hour, int minute) => new DateTimeOffset(day.ToDateTime(new TimeOnly(hour, minute)), TimeSpan.Zero).ToUnixTimeMilliseconds();

        // Ann codes on her laptop 09:00–10:00, then reads a plan in Firefox to 10:50; her desktop has
        // Slack in front 09:20–10:15. The span that started last holds shared time, so by hand: Coding
        // 09:00–09:20 (20 min), Chat 09:20–10:00 (40 min; at 10:00 she turned to Firefox), the plan
        // 10:00–10:50 (50 min): 1:50 in all, not 2:45.
        var agents = new List<TestAgentClient>();
        foreach (var (host, spans) in new[]
        {
            ("ann-laptop", new[]
            {
                new SpanRecord(1, 1, At(9, 0), At(10, 0), SpanState.Active, "Code", "report.cs — presently", null),
                new SpanRecord(2, 2, At(10, 0), At(10, 50), SpanState.Active, "firefox", "Quarterly plan", null),
            }),
            ("ann-desktop", [new SpanRecord(1, 1, At(9, 20), At(10, 15), SpanState.Active, "Slack", "#release", null)]),
        })
        {
            var (id, token) = await server.EnrollAsync("Ann", host);
            var client = await TestAgentClient.ConnectAsync(server.AgentUri, token);
            agents.Add(client);
            await client.SendAsync(TestAgentClient.NewHello(id) with { Host = host });
            Assert.IsType<Welcome>(await client.ReceiveAsync());
            await client.SendAsync(new SpanBatch(spans));
            Assert.IsType<Ack>(await client.ReceiveAsync());
        }

        var (page, dialogs) = await browser.NewPageAsync();
        await HeadlessBrowser.SignInAsAdminAsync(page, server.BaseUri);

        // The range and the grouping picked on the page, as a person does.
        var date = day.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
        await page.GotoAsync(new Uri(server.BaseUri, "/reports?tz=UTC").ToString());
        await page.CheckAsync("form.range input[name=range][value=custom]");
        await page.FillAsync("form.range input[name=from]", date);
        await page.FillAsync("form.range input[name=to]", date);
        await page.SelectOptionAsync("#by", "category");
        await page.SelectOptionAsync("#then", "none");
        await page.ClickAsync("form.range button[type=submit]");
        await page.WaitForURLAsync(new System.Text.RegularExpressions.Regex("range=custom"));
        var report = page.Url;
        Assert.Contains($"from={date}", report, StringComparison.Ordinal);
        Assert.Contains("by=category", report, StringComparison.Ordinal);
        await Assertions.Expect(page.Locator("#per-category tbody tr")).ToHaveTextAsync([
            new System.Text.RegularExpressions.Regex(@"^Uncategorized\s*0:50:00"),
            new System.Text.RegularExpressions.Regex(@"^Communication/Chat\s*0:40:00"),
            new System.Text.RegularExpressions.Regex(@"^Work/Coding\s*0:20:00"),
        ]);
        await Assertions.Expect(page.Locator("#per-category tfoot")).ToContainTextAsync("1:50:00");
        await Assertions.Expect(page.Locator("#hours-chart")).ToHaveAttributeAsync("data-rendered", "true");
        // Each bar in its category's colour (the default set's Chat is amber).
        await Assertions.Expect(page.Locator("#hours-chart")).ToHaveAttributeAsync("data-colours", new System.Text.RegularExpressions.Regex("\"Communication/Chat\":\"#fbc02d\""));
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = HeadlessBrowser.ArtifactPath("report-by-category.png"), FullPage = true });

        // The admin adds a category for planning, matched on the window title.
        await page.GotoAsync(new Uri(server.BaseUri, "/admin/categories").ToString());
        var add = page.Locator("#add-category");
        await add.Locator("input[name=path]").FillAsync("Work/Planning");
        await add.Locator("select[name=field]").SelectOptionAsync("title");
        await add.Locator("input[name=pattern]").FillAsync("quarterly|roadmap");
        await add.Locator("button[type=submit]").ClickAsync();
        await Assertions.Expect(page.Locator("#categories tr[data-category='Work/Planning']")).ToContainTextAsync("Work › Planning");
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = HeadlessBrowser.ArtifactPath("categories.png"), FullPage = true });

        // The rollups are summed again in the background: the report shows the new category once they are.
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (true)
        {
            await page.GotoAsync(report);
            if (await page.Locator("#per-category tbody tr", new() { HasText = "Work/Planning" }).CountAsync() > 0 || DateTime.UtcNow > deadline) break;
            await Task.Delay(100);
        }
        await Assertions.Expect(page.Locator("#per-category tbody tr")).ToHaveTextAsync([
            new System.Text.RegularExpressions.Regex(@"^Work/Planning\s*0:50:00"),
            new System.Text.RegularExpressions.Regex(@"^Communication/Chat\s*0:40:00"),
            new System.Text.RegularExpressions.Regex(@"^Work/Coding\s*0:20:00"),
        ]);

        // The CSV export of the same report says the same.
        var csvHref = await page.Locator("#csv").GetAttributeAsync("href");
        var csv = await (await page.APIRequest.GetAsync(new Uri(server.BaseUri, csvHref!).ToString())).TextAsync();
        Assert.Contains("Work/Planning,3000", csv.Replace("\r", ""), StringComparison.Ordinal);
        Assert.Contains("Communication/Chat,2400", csv.Replace("\r", ""), StringComparison.Ordinal);
        Assert.DoesNotContain("Uncategorized", csv, StringComparison.Ordinal);
        Assert.Empty(dialogs);
        foreach (var a in agents) await a.DisposeAsync();
    }
}
