using System.Net.WebSockets;
using Presently.Protocol;
using Presently.Server.Admin;
using BoardIds = Presently.Server.Board.BoardIds;
using Microsoft.Extensions.DependencyInjection;
using Presently.Storage;
using Presently.Tests.Fixtures;

namespace Presently.Tests.Server;

/// <summary>The board's WebSocket: a snapshot on connect, then one person's card per change.</summary>
public sealed class BoardFanOutTests : IAsyncLifetime
{
    private ServerHost _server = null!;

    public async ValueTask InitializeAsync() => _server = await ServerHost.StartAsync();

    public async ValueTask DisposeAsync() => await _server.DisposeAsync();

    private static Task<string> ReceiveTextAsync(ClientWebSocket socket) => BoardText.ReceiveAsync(socket);

    private static long NowMs => DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();

    private static async Task SendAsync(TestAgentClient agent, SpanRecord span)
    {
        await agent.SendAsync(new SpanBatch([span]));
        Assert.IsType<Ack>(await agent.ReceiveAsync());
    }

    [Fact]
    public async Task A_change_sends_only_the_card_that_changed()
    {
        // Two people on the board before the browser connects.
        await using var ann = await TestAgentClient.JoinAsAsync(_server, "ann");
        await using var bob = await TestAgentClient.JoinAsAsync(_server, "bob");

        using var browser = await _server.Admin.OpenBoardAsync();
        var snapshot = await ReceiveTextAsync(browser);
        Assert.Contains("hx-swap-oob=\"innerHTML\"", snapshot);
        Assert.Contains(BoardIds.Person("ann"), snapshot);
        Assert.Contains(BoardIds.Person("bob"), snapshot);

        var now = NowMs;
        await SendAsync(bob, new SpanRecord(1, 1, now - 1000, now, SpanState.Active, "Editor", "<script>x</script>", null));

        var update = await ReceiveTextAsync(browser);
        Assert.Contains($"id=\"{BoardIds.Person("bob")}\"", update);
        Assert.DoesNotContain(BoardIds.Person("ann"), update);
        Assert.Contains("hx-swap-oob=\"outerHTML\"", update);
        Assert.Contains("&lt;script&gt;x&lt;/script&gt;", update);
        Assert.DoesNotContain("<script>", update);
    }

    [Fact]
    public async Task A_person_with_two_computers_is_one_card_showing_the_one_they_turned_to_last()
    {
        await using var laptop = await TestAgentClient.JoinAsAsync(_server, "ann", "laptop");
        await using var desktop = await TestAgentClient.JoinAsAsync(_server, "ann", "desktop");
        var t = NowMs - 60_000;
        await SendAsync(laptop, new SpanRecord(1, 1, t, t + 10_000, SpanState.Active, "Editor", "notes.md", null));
        await SendAsync(desktop, new SpanRecord(1, 1, t + 20_000, t + 30_000, SpanState.Active, "Browser", "docs", null));

        using var browser = await _server.Admin.OpenBoardAsync();
        var snapshot = await ReceiveTextAsync(browser);
        var card = Assert.Single(System.Text.RegularExpressions.Regex.Matches(snapshot, "<article class=\"card [a-z]+\" id=\"([^\"]+)\""));
        Assert.Equal(BoardIds.Person("ann"), card.Groups[1].Value);
        Assert.Contains("<div class=\"app\">Browser</div>", snapshot);
        Assert.Contains("<span class=\"host\">desktop</span>", snapshot);
        Assert.Contains("<span class=\"host\">laptop</span> <span class=\"status\">active</span> · Editor", snapshot);

        // Back to the laptop: the same card now shows it in front.
        await SendAsync(laptop, new SpanRecord(2, 2, t + 40_000, t + 41_000, SpanState.Active, "Terminal", "make", null));
        var update = await ReceiveTextAsync(browser);
        Assert.Contains($"id=\"{BoardIds.Person("ann")}\" hx-swap-oob=\"outerHTML\"", update);
        Assert.Contains("<div class=\"app\">Terminal</div>", update);
        Assert.Contains("<span class=\"host\">desktop</span> <span class=\"status\">active</span> · Browser", update);

        // An idle computer does not take the front from an active one, however recent.
        await SendAsync(desktop, new SpanRecord(2, 2, t + 50_000, t + 50_000, SpanState.Idle, null, null, null));
        update = await ReceiveTextAsync(browser);
        Assert.Contains("<div class=\"app\">Terminal</div>", update);
        Assert.Contains("<span class=\"host\">desktop</span> <span class=\"status\">idle</span>", update);
    }

    [Fact]
    public async Task A_meeting_app_or_site_in_front_says_in_a_meeting()
    {
        await using var agent = await TestAgentClient.JoinAsAsync(_server, "cleo");
        using var browser = await _server.Admin.OpenBoardAsync();
        await ReceiveTextAsync(browser);
        var t = NowMs - 10_000;

        await SendAsync(agent, new SpanRecord(1, 1, t, t + 1000, SpanState.Active, "zoom", "Zoom Meeting", null));
        var zoom = await ReceiveTextAsync(browser);
        Assert.Contains("class=\"card meeting\"", zoom);
        Assert.Contains("<span class=\"status\">in a meeting</span>", zoom);

        await SendAsync(agent, new SpanRecord(2, 2, t + 2000, t + 3000, SpanState.Active, "Firefox", "Docs",
            SpanContext.Of(("site", "docs.example.com"))));
        Assert.Contains("class=\"card active\"", await ReceiveTextAsync(browser));

        await SendAsync(agent, new SpanRecord(3, 3, t + 4000, t + 5000, SpanState.Active, "Firefox", "Weekly sync",
            SpanContext.Of(("site", "meet.google.com"))));
        Assert.Contains("class=\"card meeting\"", await ReceiveTextAsync(browser));

        await SendAsync(agent, new SpanRecord(4, 4, t + 6000, t + 7000, SpanState.Active, "Slack", "Huddle with the web team", null));
        Assert.Contains("class=\"card meeting\"", await ReceiveTextAsync(browser));

        await SendAsync(agent, new SpanRecord(5, 5, t + 8000, t + 9000, SpanState.Active, "Slack", "general", null));
        Assert.Contains("class=\"card active\"", await ReceiveTextAsync(browser));
    }

    [Fact]
    public async Task Teams_group_the_board_and_a_team_change_lays_it_out_again()
    {
        var teams = _server.Services.GetRequiredService<Teams>();
        var accounts = _server.Services.GetRequiredService<IAccountStore>();
        await using var ann = await TestAgentClient.JoinAsAsync(_server, "ann");
        Assert.Null(await teams.CreateAsync("admin", "Web"));
        var web = (await _server.Services.GetRequiredService<ITeamStore>().ListTeamsAsync()).Single();

        using var browser = await _server.Admin.OpenBoardAsync();
        var snapshot = await ReceiveTextAsync(browser);
        Assert.Contains($"id=\"{BoardIds.TeamCards(web)}\"></div>", snapshot); // Web is empty: ann has no team yet

        Assert.True(await teams.SetTeamAsync("admin", (await accounts.FindPersonAsync("ann"))!.Id, web.Id));
        var regrouped = await ReceiveTextAsync(browser);
        Assert.Contains("hx-swap-oob=\"innerHTML\"", regrouped);
        Assert.Matches($"id=\"{BoardIds.TeamCards(web)}\"><article class=\"card [a-z]+\" id=\"{BoardIds.Person("ann")}\"", regrouped);

        // A newcomer to the team lands in its list.
        Assert.True(await teams.SetTeamAsync("admin", (await accounts.SavePersonAsync("bob", Role.Member, null)).Id, web.Id));
        await ReceiveTextAsync(browser);
        await using var bob = await TestAgentClient.JoinAsAsync(_server, "bob");
        var appended = await ReceiveTextAsync(browser);
        Assert.Contains($"<div id=\"{BoardIds.TeamCards(web)}\" hx-swap-oob=\"beforeend\"><article class=\"card active\" id=\"{BoardIds.Person("bob")}\"", appended);
    }

    [Fact]
    public async Task Checkpoints_that_change_nothing_visible_send_nothing()
    {
        var (agent, _) = await TestAgentClient.JoinAsync(_server.AgentUri, "agent-quiet");
        await using var _a = agent;
        var t = DateTimeOffset.UtcNow.AddMinutes(-1).ToUnixTimeMilliseconds();
        await SendAsync(agent, new SpanRecord(1, 1, t, t, SpanState.Active, "Editor", "file.cs", null));

        using var browser = await _server.Admin.OpenBoardAsync();
        Assert.Contains("data-agent=\"agent-quiet\"", await ReceiveTextAsync(browser)); // the snapshot
        for (var i = 2; i <= 6; i++)
            await SendAsync(agent, new SpanRecord(i, 1, t, t + i * 5000, SpanState.Active, "Editor", "file.cs", null));
        await SendAsync(agent, new SpanRecord(7, 7, t + 30_000, t + 30_000, SpanState.Active, "Browser", "docs", null));
        // The first message after the snapshot is the switch: the five checkpoints sent nothing.
        Assert.Contains(">Browser<", await ReceiveTextAsync(browser));
    }

    [Fact]
    public async Task A_new_person_is_appended_and_a_disconnect_shows_offline()
    {
        using var browser = await _server.Admin.OpenBoardAsync();
        Assert.Contains("No agent has connected yet", await ReceiveTextAsync(browser));

        var (agent, _) = await TestAgentClient.JoinAsync(_server.AgentUri, "agent-new");
        var appended = await ReceiveTextAsync(browser);
        Assert.Contains("hx-swap-oob=\"beforeend\"", appended);
        Assert.Contains($"id=\"{BoardIds.Person("tester")}\"", appended);
        Assert.Contains("data-agent=\"agent-new\"", appended);

        await agent.DisposeAsync();
        var offline = await ReceiveTextAsync(browser);
        Assert.Contains("card offline", offline);
    }
}
