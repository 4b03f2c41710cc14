using Presently.Protocol;
using Presently.Storage;
using Presently.Tests.Fixtures;

namespace Presently.Tests.Security;

/// <summary>One visibility policy for board, reports and API; and a person sees what others see of them.</summary>
public sealed class VisibilityTests : IAsyncLifetime
{
    private ServerHost _server = null!;

    public async ValueTask InitializeAsync() => _server = await ServerHost.StartAsync();

    public async ValueTask DisposeAsync() => await _server.DisposeAsync();

    private async Task<TestAgentClient> WorkAsync(string person, string app, string title)
    {
        var (agentId, token) = await _server.EnrollAsync(person, host: person + "-pc");
        var agent = await TestAgentClient.ConnectAsync(_server.AgentUri, token);
        await agent.SendAsync(TestAgentClient.NewHello(agentId));
        Assert.IsType<Welcome>(await agent.ReceiveAsync());
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        await agent.SendAsync(new SpanBatch([new SpanRecord(1, 1, now - 60_000, now - 1000, SpanState.Active, app, title, null)]));
        Assert.IsType<Ack>(await agent.ReceiveAsync());
        return agent;
    }

    [Fact]
    public async Task Members_see_others_presence_on_the_board_but_not_their_apps_or_titles()
    {
        using var dana = await _server.SignInAsync("dana", Role.Member);
        await using var danaAgent = await WorkAsync("dana", "DanaEditor", "dana-own-title");
        await using var ericAgent = await WorkAsync("eric", "EricSecretApp", "eric-secret-title");

        var page = await dana.Http.GetStringAsync("/");
        Assert.Contains("eric", page);
        Assert.DoesNotContain("eric-secret-title", page);
        Assert.DoesNotContain("EricSecretApp", page);
        Assert.Contains("dana-own-title", page);

        using var board = await dana.OpenBoardAsync();
        var snapshot = await BoardText.ReceiveAsync(board);
        Assert.DoesNotContain("eric-secret-title", snapshot);
        Assert.DoesNotContain("EricSecretApp", snapshot);

        // Switching apps changes nothing a member may see, so nothing is pushed to them: not even when it happened.
        using var adminBoard = await _server.Admin.OpenBoardAsync();
        await BoardText.ReceiveAsync(adminBoard);
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        await ericAgent.SendAsync(new SpanBatch([new SpanRecord(2, 2, now - 500, now, SpanState.Active, "EricOtherApp", "eric-next-title", null)]));
        Assert.IsType<Ack>(await ericAgent.ReceiveAsync());
        Assert.Contains("eric-next-title", await BoardText.ReceiveAsync(adminBoard));

        // A change of state is pushed, redacted; it is the first thing the member hears after the switch.
        await ericAgent.DisposeAsync();
        var update = await BoardText.ReceiveAsync(board);
        Assert.Contains("eric", update);
        Assert.Contains("card offline", update);
        Assert.DoesNotContain("eric-next-title", update);
        Assert.DoesNotContain("EricOtherApp", update);
        Assert.Contains("eric-next-title", await _server.Http.GetStringAsync("/"));
    }

    [Fact]
    public async Task A_presence_card_says_since_when_the_state_holds_not_when_the_app_changed()
    {
        using var dana = await _server.SignInAsync("dana", Role.Member);
        await using var ericAgent = await WorkAsync("eric", "EricSecretApp", "eric-secret-title");
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        var switchedAt = now - 20_000;
        await ericAgent.SendAsync(new SpanBatch([new SpanRecord(2, 2, switchedAt, now, SpanState.Active, "EricOtherApp", "t2", null)]));
        Assert.IsType<Ack>(await ericAgent.ReceiveAsync());

        var page = await dana.Http.GetStringAsync("/");
        var card = page[page.IndexOf("class=\"person\">eric", StringComparison.Ordinal)..];
        var since = long.Parse(System.Text.RegularExpressions.Regex.Match(card, "data-since=\"(\\d+)\"").Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
        Assert.True(Math.Abs(since - switchedAt) > 10_000, "the presence card shows when the app changed");
        Assert.Contains($"data-since=\"{switchedAt}\"", await _server.Http.GetStringAsync("/")); // admins see the app's own start
    }

    [Fact]
    public async Task A_person_sees_what_others_see_of_them()
    {
        using var dana = await _server.SignInAsync("dana", Role.Member);
        await using var agent = await WorkAsync("dana", "DanaEditor", "dana-own-title");
        var page = await dana.Http.GetStringAsync("/account/visibility");
        var asMember = page[page.IndexOf("id=\"seen-by-members\"", StringComparison.Ordinal)..];
        asMember = asMember[..asMember.IndexOf("</section>", StringComparison.Ordinal)];
        var asAdmin = page[page.IndexOf("id=\"seen-by-admins\"", StringComparison.Ordinal)..];
        asAdmin = asAdmin[..asAdmin.IndexOf("</section>", StringComparison.Ordinal)];
        Assert.Contains("dana-own-title", asAdmin);
        Assert.DoesNotContain("dana-own-title", asMember);
        Assert.Contains("dana", asMember);
    }
}
