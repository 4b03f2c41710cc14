using System.Net.WebSockets;
using System.Text;
using Presently.Protocol;
using Presently.Tests.Fixtures;

namespace Presently.Tests.Server;

/// <summary>The board's WebSocket: a snapshot on connect, then one card per change.</summary>
public sealed class BoardFanOutTests : IAsyncLifetime
{
    private ServerHost _server = null!;

    public async ValueTask InitializeAsync() => _server = await ServerHost.StartAsync();

    public async ValueTask DisposeAsync() => await _server.DisposeAsync();

    private static Task<string> ReceiveTextAsync(ClientWebSocket socket) => BoardText.ReceiveAsync(socket);

    [Fact]
    public async Task A_change_sends_only_the_card_that_changed()
    {
        // Two agents on the board before the browser connects.
        var (a, _) = await TestAgentClient.JoinAsync(_server.AgentUri, "agent-a");
        await using var _a = a;
        var (b, _) = await TestAgentClient.JoinAsync(_server.AgentUri, "agent-b");
        await using var _b = b;

        using var browser = await _server.Admin.OpenBoardAsync();
        var snapshot = await ReceiveTextAsync(browser);
        Assert.Contains("hx-swap-oob=\"innerHTML\"", snapshot);
        Assert.Contains("agent-agent-a", snapshot);
        Assert.Contains("agent-agent-b", snapshot);

        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        await b.SendAsync(new SpanBatch([new SpanRecord(1, 1, now - 1000, now, SpanState.Active, "Editor", "<script>x</script>", null)]));
        Assert.IsType<Ack>(await b.ReceiveAsync());

        var update = await ReceiveTextAsync(browser);
        Assert.Contains("id=\"agent-agent-b\"", update);
        Assert.DoesNotContain("agent-agent-a", update);
        Assert.Contains("hx-swap-oob=\"outerHTML\"", update);
        Assert.Contains("&lt;script&gt;x&lt;/script&gt;", update);
        Assert.DoesNotContain("<script>", update);
    }

    [Fact]
    public async Task Checkpoints_that_change_nothing_visible_send_nothing()
    {
        var (agent, _) = await TestAgentClient.JoinAsync(_server.AgentUri, "agent-quiet");
        await using var _a = agent;
        var t = DateTimeOffset.UtcNow.AddMinutes(-1).ToUnixTimeMilliseconds();
        await agent.SendAsync(new SpanBatch([new SpanRecord(1, 1, t, t, SpanState.Active, "Editor", "file.cs", null)]));
        Assert.IsType<Ack>(await agent.ReceiveAsync());

        using var browser = await _server.Admin.OpenBoardAsync();
        Assert.Contains("agent-agent-quiet", await ReceiveTextAsync(browser)); // the snapshot
        for (var i = 2; i <= 6; i++)
        {
            await agent.SendAsync(new SpanBatch([new SpanRecord(i, 1, t, t + i * 5000, SpanState.Active, "Editor", "file.cs", null)]));
            Assert.IsType<Ack>(await agent.ReceiveAsync());
        }
        await agent.SendAsync(new SpanBatch([new SpanRecord(7, 7, t + 30_000, t + 30_000, SpanState.Active, "Browser", "docs", null)]));
        Assert.IsType<Ack>(await agent.ReceiveAsync());
        // The first message after the snapshot is the switch: the five checkpoints sent nothing.
        Assert.Contains(">Browser<", await ReceiveTextAsync(browser));
    }

    [Fact]
    public async Task A_new_agent_is_appended_and_a_disconnect_shows_offline()
    {
        using var browser = await _server.Admin.OpenBoardAsync();
        Assert.Contains("No agent has connected yet", await ReceiveTextAsync(browser));

        var (agent, _) = await TestAgentClient.JoinAsync(_server.AgentUri, "agent-new");
        var appended = await ReceiveTextAsync(browser);
        Assert.Contains("hx-swap-oob=\"beforeend\"", appended);
        Assert.Contains("id=\"agent-agent-new\"", appended);

        await agent.DisposeAsync();
        var offline = await ReceiveTextAsync(browser);
        Assert.Contains("card offline", offline);
    }
}
