using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Playwright;
using Presently.Tests.Fixtures;

namespace Presently.Tests.EndToEnd;

/// <summary>
/// The whole path on real components: Xvfb + openbox with xterms as apps, the real agent process,
/// the real server on 127.0.0.1 with SQLite, and the board in headless Chromium.
/// </summary>
[Collection(TimingSensitive.Name)]
public sealed class BoardEndToEndTests
{
    private const string XssTitle = "<img src=x onerror=alert(1)>";
    private const string XssClass = "Gamma<script>alert(2)</script>";
    private static readonly TimeSpan BoardDeadline = TimeSpan.FromSeconds(1);

    [Fact]
    public async Task Focus_switches_reach_the_board_within_a_second_and_the_report_adds_up()
    {
        await using var desktop = await X11Desktop.StartAsync();
        await using var browser = await HeadlessBrowser.StartAsync();
        await using var server = await ServerHost.StartAsync();
        using var home = new TempDirectory();

        var alpha = await desktop.OpenTerminalAsync("AppAlpha", "Alpha terminal");
        var beta = await desktop.OpenTerminalAsync("AppBeta", "Beta terminal");
        var gamma = await desktop.OpenTerminalAsync(XssClass, XssTitle);
        await desktop.ActivateAsync(gamma);

        // The agent as it ships on Linux: the NativeAOT binary.
        using var agent = AgentProcess.StartBinary(await LinuxAgentBuild.GetAsync(), ["run", "--server", server.BaseUri.ToString()], home.Path, new Dictionary<string, string?>
        {
            ["DISPLAY"] = desktop.Display,
            ["PRESENTLY_AGENT_TOKEN"] = ServerHost.Token,
            ["PRESENTLY_AGENT_IDLETHRESHOLD"] = "01:00:00",
        });

        var (page, dialogs) = await browser.NewPageAsync();
        await page.GotoAsync(server.BaseUri.ToString()); // redirected to sign in
        await page.FillAsync("input[name=name]", ServerHost.AdminName);
        await page.FillAsync("input[name=password]", ServerHost.AdminPassword);
        await page.ClickAsync("button[type=submit]");
        await page.WaitForURLAsync(server.BaseUri.ToString(), new() { WaitUntil = WaitUntilState.Commit }); // the assertions after it wait for what they need
        try
        {
            await WaitForBoardAppAsync(page, XssClass, TimeSpan.FromSeconds(20));
            await Assertions.Expect(page.Locator(".card .title")).ToHaveTextAsync(XssTitle);

            // The script: A for 4 s, B for 3 s, A for 5 s, then away to Gamma.
            var script = new (string Window, string App, double Seconds)[] { (alpha, "AppAlpha", 4), (beta, "AppBeta", 3), (alpha, "AppAlpha", 5) };
            var spent = new Dictionary<string, double>();
            var latencies = new List<TimeSpan>();
            foreach (var (window, app, seconds) in script)
            {
                var switched = Stopwatch.StartNew();
                await desktop.ActivateAsync(window);
                latencies.Add(await WaitForBoardAppAsync(page, app, BoardDeadline, switched));
                await Task.Delay(TimeSpan.FromSeconds(seconds) - switched.Elapsed);
                spent[app] = spent.GetValueOrDefault(app) + switched.Elapsed.TotalSeconds;
            }
            var last = Stopwatch.StartNew();
            await desktop.ActivateAsync(gamma);
            latencies.Add(await WaitForBoardAppAsync(page, XssClass, BoardDeadline, last));

            await page.ScreenshotAsync(new PageScreenshotOptions { Path = HeadlessBrowser.ArtifactPath("board.png") });
            TestContext.Current.TestOutputHelper?.WriteLine($"board latencies (ms): {string.Join(", ", latencies.Select(l => l.TotalMilliseconds.ToString("0", CultureInfo.InvariantCulture)))}");
            Assert.All(latencies, l => Assert.True(l < BoardDeadline, $"board lagged {l.TotalMilliseconds:0} ms"));

            var report = await server.Http.GetFromJsonAsync<JsonElement>(
                $"/api/v1/report?from={Uri.EscapeDataString(DateTimeOffset.UtcNow.AddMinutes(-10).ToString("O", CultureInfo.InvariantCulture))}&groupBy=app");
            var measured = report.GetProperty("rows").EnumerateArray().ToDictionary(r => r.GetProperty("app").GetString()!, r => r.GetProperty("seconds").GetDouble());
            foreach (var (app, expected) in spent)
                Assert.InRange(measured.GetValueOrDefault(app), expected - 1, expected + 1);

            // The hostile app name on the reports page, in the browser: shown as text, never run.
            await page.GotoAsync(new Uri(server.BaseUri, "/reports?range=today&tz=UTC").ToString());
            await Assertions.Expect(page.Locator("#per-app")).ToContainTextAsync(XssClass);
            await Assertions.Expect(page.Locator("#hours-chart")).ToHaveAttributeAsync("data-rendered", "true");
            Assert.Empty(dialogs);
        }
        catch
        {
            await page.ScreenshotAsync(new PageScreenshotOptions { Path = HeadlessBrowser.ArtifactPath("board-failure.png") });
            TestContext.Current.SendDiagnosticMessage("agent output:\n" + agent.Output);
            throw;
        }
        finally
        {
            await page.CloseAsync();
            await browser.DisposeAsync();
            Assert.Equal(0, await agent.StopAsync(TimeSpan.FromSeconds(10)));
        }
    }

    /// <summary>Waits until the (only) card shows <paramref name="app"/>; returns how long that took from <paramref name="since"/>.</summary>
    private static async Task<TimeSpan> WaitForBoardAppAsync(IPage page, string app, TimeSpan timeout, Stopwatch? since = null)
    {
        since ??= Stopwatch.StartNew();
        try
        {
            await page.WaitForFunctionAsync("app => document.querySelector('.card .app')?.textContent === app", app,
                new PageWaitForFunctionOptions { Timeout = (float)(timeout.TotalMilliseconds * 3), PollingInterval = 10 });
        }
        catch (TimeoutException)
        {
            var shown = await page.Locator("#cards").InnerTextAsync();
            throw new TimeoutException($"board never showed {app}; it shows: {shown}");
        }
        return since.Elapsed;
    }
}
