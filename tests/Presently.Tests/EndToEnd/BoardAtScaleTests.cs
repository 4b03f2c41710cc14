using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using Presently.Protocol;
using Presently.Server.Admin;
using Presently.Server.Live;
using Presently.Storage;
using Presently.Tests.Fixtures;
using static Presently.Server.Board.BoardIds;

namespace Presently.Tests.EndToEnd;

/// <summary>
/// A board of 1,000 people in ten teams in headless Chromium while their cards change 100 times a
/// second (each agent every 10 s): every change reaches the page, and the long tasks on the page's
/// main thread meanwhile are measured and written to artifacts/board-1000.json (docs/BENCHMARKS.md
/// records them). The figures are reported, not asserted: performance is judged from them, not by a
/// timed test.
/// </summary>
[Collection(TimingSensitive.Name)]
public sealed class BoardAtScaleTests
{
    private const int People = 1000;
    private const int ChangesPerSecond = 100;
    private static readonly TimeSpan Window = TimeSpan.FromSeconds(20);

    // Recorded from before the page's first script, whatever the page's CSP (Playwright injects it).
    private const string Observer = """
        window.__longTasks = [];
        window.__wsCloses = 0;
        new PerformanceObserver(function (list) {
          for (const e of list.getEntries()) window.__longTasks.push({ start: e.startTime, duration: e.duration });
        }).observe({ type: "longtask", buffered: true });
        document.addEventListener("htmx:wsClose", function () { window.__wsCloses++; });
        """;

    [Fact]
    public async Task A_board_of_1000_people_shows_every_change_and_its_long_tasks_are_measured()
    {
        await using var browser = await HeadlessBrowser.StartAsync();
        await using var server = await ServerHost.StartAsync();
        var live = server.Services.GetRequiredService<LiveState>();
        var teams = server.Services.GetRequiredService<Teams>();
        var store = server.Services.GetRequiredService<ITeamStore>();
        var accounts = server.Services.GetRequiredService<IAccountStore>();

        for (var t = 0; t < 10; t++) Assert.Null(await teams.CreateAsync("admin", $"Team {t}"));
        var teamIds = (await store.ListTeamsAsync()).ToDictionary(t => t.Name, t => t.Id);
        var sessions = new Guid[People];
        var seqs = new long[People];
        var start = DateTimeOffset.UtcNow.AddHours(-1).ToUnixTimeMilliseconds();
        for (var i = 0; i < People; i++)
        {
            var person = (await accounts.SavePersonAsync(Name(i), Role.Member, null)).Id;
            await store.SetTeamAsync(person, teamIds[$"Team {i % 10}"]);
        }
        await teams.LoadAsync();
        for (var i = 0; i < People; i++)
        {
            sessions[i] = Guid.NewGuid();
            live.Connected(sessions[i], AgentId(i), Name(i), $"host-{i}", "Linux", 0);
            live.SpansCommitted([new CommittedSpan(sessions[i], AgentId(i), Span(i, ++seqs[i], start, "Editor"))]);
        }

        var (page, dialogs) = await browser.NewPageAsync();
        await page.AddInitScriptAsync(Observer);
        await page.GotoAsync(new Uri(server.BaseUri, "/login").ToString());
        await page.FillAsync("input[name=name]", ServerHost.AdminName);
        await page.FillAsync("input[name=password]", ServerHost.AdminPassword);
        await page.ClickAsync("button[type=submit]");
        await Assertions.Expect(page.Locator("article.card")).ToHaveCountAsync(People, new() { Timeout = 60_000 });
        await Assertions.Expect(page.Locator("body")).ToHaveAttributeAsync("data-board", "live", new() { Timeout = 30_000 });
        var from = await page.EvaluateAsync<double>("performance.now()");

        // The stream: every agent's card changes once in ten seconds, spread evenly.
        var clock = Stopwatch.StartNew();
        var changes = 0;
        var random = new Random(7);
        while (clock.Elapsed < Window)
        {
            var due = (int)(clock.Elapsed.TotalSeconds * ChangesPerSecond);
            for (; changes < due; changes++)
            {
                var i = random.Next(People);
                live.SpansCommitted([new CommittedSpan(sessions[i], AgentId(i), Span(i, ++seqs[i], start + seqs[i] * 1000, $"App {changes % 50}"))]);
            }
            await Task.Delay(10, TestContext.Current.CancellationToken);
        }
        // A last change on every tenth card, and every one of them must reach the page.
        for (var i = 0; i < People; i += 10) live.SpansCommitted([new CommittedSpan(sessions[i], AgentId(i), Span(i, ++seqs[i], start + seqs[i] * 1000, "Final"))]);
        await Assertions.Expect(page.Locator("article.card .app", new() { HasTextString = "Final" })).ToHaveCountAsync(People / 10, new() { Timeout = 30_000 });
        await Assertions.Expect(page.Locator($"#{Person(Name(990))} .app")).ToHaveTextAsync("Final");
        var to = await page.EvaluateAsync<double>("performance.now()");

        var tasks = (await page.EvaluateAsync<JsonElement>("window.__longTasks")).EnumerateArray()
            .Select(e => (Start: e.GetProperty("start").GetDouble(), Duration: e.GetProperty("duration").GetDouble()))
            .Where(t => t.Start >= from && t.Start <= to).ToList();
        var closes = await page.EvaluateAsync<int>("window.__wsCloses");
        var figures = new
        {
            people = People,
            changes = changes + People / 10,
            changesPerSecond = ChangesPerSecond,
            windowSeconds = Math.Round((to - from) / 1000, 1),
            longTasks = tasks.Count,
            longTaskMsTotal = Math.Round(tasks.Sum(t => t.Duration)),
            longTaskMsMax = Math.Round(tasks.Select(t => t.Duration).DefaultIfEmpty(0).Max()),
            mainThreadBlockedShare = Math.Round(tasks.Sum(t => t.Duration) / (to - from), 4),
            boardReconnects = closes,
        };
        var json = JsonSerializer.Serialize(figures, new JsonSerializerOptions { WriteIndented = true });
        await File.WriteAllTextAsync(HeadlessBrowser.ArtifactPath("board-1000.json"), json, TestContext.Current.CancellationToken);
        TestContext.Current.SendDiagnosticMessage("board of 1,000: " + json);
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = HeadlessBrowser.ArtifactPath("board-1000.png") });

        Assert.Equal(0, closes); // never dropped and resent the whole board
        Assert.Empty(dialogs);
        await page.CloseAsync();
    }

    private static string Name(int i) => "person-" + i.ToString("D4", CultureInfo.InvariantCulture);

    private static string AgentId(int i) => "agent-" + i.ToString("D4", CultureInfo.InvariantCulture);

    private static SpanRecord Span(int agent, long seq, long startMs, string app) =>
        new(seq, seq, startMs, startMs + 500, SpanState.Active, app, $"window {agent}.{seq}", null);
}
