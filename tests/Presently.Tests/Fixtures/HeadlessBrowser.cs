using Microsoft.Playwright;

namespace Presently.Tests.Fixtures;

/// <summary>Debian's Chromium, headless, driven by Playwright; no browser download.</summary>
public sealed class HeadlessBrowser : IAsyncDisposable
{
    private readonly IPlaywright _playwright;

    private HeadlessBrowser(IPlaywright playwright, IBrowser browser)
    {
        _playwright = playwright;
        Browser = browser;
    }

    public IBrowser Browser { get; }

    public static async Task<HeadlessBrowser> StartAsync()
    {
        var chromium = Requirements.Program("/usr/bin/chromium", "chromium");
        var playwright = await Playwright.CreateAsync();
        var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = chromium,
            Headless = true,
            Args = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync"],
        });
        return new HeadlessBrowser(playwright, browser);
    }

    /// <summary>A page that records any dialog (alert, confirm) so tests can prove no injected script ran.</summary>
    public async Task<(IPage Page, List<string> Dialogs)> NewPageAsync()
    {
        var page = await Browser.NewPageAsync(new BrowserNewPageOptions { ViewportSize = new ViewportSize { Width = 1200, Height = 700 } });
        var dialogs = new List<string>();
        page.Dialog += async (_, dialog) =>
        {
            lock (dialogs) dialogs.Add(dialog.Message);
            await dialog.DismissAsync();
        };
        return (page, dialogs);
    }

    /// <summary>Signs the page in as the test server's admin through the sign-in form, and waits for the board's address.</summary>
    public static async Task SignInAsAdminAsync(IPage page, Uri baseUri)
    {
        await page.GotoAsync(new Uri(baseUri, "/login").ToString());
        await page.FillAsync("input[name=name]", ServerHost.AdminName);
        await page.FillAsync("input[name=password]", ServerHost.AdminPassword);
        await page.ClickAsync("button[type=submit]");
        await page.WaitForURLAsync(baseUri.ToString(), new() { WaitUntil = WaitUntilState.Commit }); // the assertions after it wait for what they need
    }

    public static string ArtifactPath(string name)
    {
        var dir = Environment.GetEnvironmentVariable("PRESENTLY_ARTIFACTS") is { Length: > 0 } configured
            ? configured
            : Path.Combine(AppContext.BaseDirectory, "artifacts");
        Directory.CreateDirectory(dir);
        return Path.Combine(dir, name);
    }

    public async ValueTask DisposeAsync()
    {
        await Browser.CloseAsync();
        _playwright.Dispose();
    }
}
