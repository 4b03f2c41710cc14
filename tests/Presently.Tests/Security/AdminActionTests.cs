using System.Diagnostics;
using System.Net;
using System.Net.WebSockets;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Presently.Protocol;
using Presently.Server.Agents;
using Presently.Storage;
using Presently.Tests.Fixtures;

namespace Presently.Tests.Security;

/// <summary>Block, unblock, rename, reassign and remove, as an admin does them through the pages.</summary>
[Collection(TimingSensitive.Name)]
public sealed class AdminActionTests : IAsyncLifetime
{
    private ServerHost _server = null!;

    public async ValueTask InitializeAsync() => _server = await ServerHost.StartAsync();

    public async ValueTask DisposeAsync() => await _server.DisposeAsync();

    private Task<(string AgentId, string Token)> EnrollAsync(string person) => _server.EnrollAsync(person);

    private async Task<TestAgentClient> ConnectAsync(string agentId, string token)
    {
        var agent = await TestAgentClient.ConnectAsync(_server.AgentUri, token);
        await agent.SendAsync(TestAgentClient.NewHello(agentId));
        Assert.IsType<Welcome>(await agent.ReceiveAsync());
        return agent;
    }

    private async Task<HttpStatusCode> UpgradeStatusAsync(string token)
    {
        using var socket = new ClientWebSocket();
        socket.Options.SetRequestHeader("Authorization", "Bearer " + token);
        socket.Options.CollectHttpResponseDetails = true;
        try
        {
            await socket.ConnectAsync(_server.AgentUri, CancellationToken.None);
            return socket.HttpStatusCode;
        }
        catch (WebSocketException)
        {
            return socket.HttpStatusCode;
        }
    }

    [Fact]
    public async Task A_blocked_agent_is_disconnected_within_a_second_and_cannot_reconnect()
    {
        var (id, token) = await EnrollAsync("gina");
        await using var agent = await ConnectAsync(id, token);
        var closed = agent.WaitForCloseAsync();

        var clock = Stopwatch.StartNew();
        var response = await _server.Admin.PostFormAsync("/admin/agents", $"/admin/agents/{id}/block", []);
        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.Equal(CloseCodes.Blocked, await closed.WaitAsync(TimeSpan.FromSeconds(5)));
        var elapsed = clock.Elapsed;
        TestContext.Current.TestOutputHelper?.WriteLine($"blocked agent disconnected after {elapsed.TotalMilliseconds:0} ms");
        Assert.True(elapsed < TimeSpan.FromSeconds(1), $"took {elapsed.TotalMilliseconds:0} ms");

        Assert.Equal(HttpStatusCode.Unauthorized, await UpgradeStatusAsync(token));
        await Eventually.Until(() => _server.Http.GetStringAsync("/admin/agents"), page => page.Contains("blocked, offline"), TimeSpan.FromSeconds(5), "admin page showing blocked, offline");

        await _server.Admin.PostFormAsync("/admin/agents", $"/admin/agents/{id}/unblock", []);
        await using var back = await ConnectAsync(id, token);
        var audit = await _server.Http.GetStringAsync("/admin/audit");
        Assert.Contains("blocked agent", audit);
        Assert.Contains("unblocked agent", audit);
    }

    [Fact]
    public async Task A_blocked_agent_on_the_development_credential_is_refused_at_Hello()
    {
        var (agent, _) = await TestAgentClient.JoinAsync(_server.AgentUri, "dev-blocked");
        await agent.DisposeAsync();
        await _server.Admin.PostFormAsync("/admin/agents", "/admin/agents/dev-blocked/block", []);
        await using var again = await TestAgentClient.ConnectAsync(_server.AgentUri);
        await again.SendAsync(TestAgentClient.NewHello("dev-blocked"));
        Assert.IsType<ErrorMessage>(await again.ReceiveAsync());
        Assert.Equal(CloseCodes.Blocked, await again.WaitForCloseAsync());
    }

    [Fact]
    public async Task Removing_with_delete_really_deletes_and_revokes()
    {
        var (id, token) = await EnrollAsync("hank");
        const string marker = "ZZ-unique-window-title-to-delete-ZZ";
        await using (var agent = await ConnectAsync(id, token))
        {
            var t = DateTimeOffset.UtcNow.AddMinutes(-5).ToUnixTimeMilliseconds();
            await agent.SendAsync(new SpanBatch([new SpanRecord(1, 1, t, t + 60_000, SpanState.Active, "Editor", marker, null)]));
            Assert.IsType<Ack>(await agent.ReceiveAsync());
        }
        Assert.Contains("hank", await _server.Http.GetStringAsync("/"));

        var response = await _server.Admin.PostFormAsync("/admin/agents", $"/admin/agents/{id}/remove", new() { ["data"] = "delete" });
        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);

        Assert.Empty(await _server.Store.GetSpansAsync(id));
        Assert.Equal(HttpStatusCode.Unauthorized, await UpgradeStatusAsync(token));
        Assert.DoesNotContain(id, await _server.Http.GetStringAsync("/"));
        Assert.DoesNotContain(id, await _server.Http.GetStringAsync("/admin/agents"));
        foreach (var file in Directory.GetFiles(_server.DataDirectory))
            Assert.DoesNotContain(marker, Encoding.Latin1.GetString(await File.ReadAllBytesAsync(file)));
    }

    [Fact]
    public async Task Removing_but_keeping_data_revokes_and_keeps_the_hours()
    {
        var (id, token) = await EnrollAsync("ivy");
        await using (var agent = await ConnectAsync(id, token))
        {
            var t = DateTimeOffset.UtcNow.AddMinutes(-5).ToUnixTimeMilliseconds();
            await agent.SendAsync(new SpanBatch([new SpanRecord(1, 1, t, t + 60_000, SpanState.Active, "Kept", null, null)]));
            Assert.IsType<Ack>(await agent.ReceiveAsync());
        }
        await _server.Admin.PostFormAsync("/admin/agents", $"/admin/agents/{id}/remove", new() { ["data"] = "keep" });
        Assert.Equal(HttpStatusCode.Unauthorized, await UpgradeStatusAsync(token));
        Assert.Single(await _server.Store.GetSpansAsync(id));
    }

    [Fact]
    public async Task Rename_and_reassign_show_on_the_board_and_in_the_audit_log()
    {
        var (id, token) = await EnrollAsync("jo");
        await using var agent = await ConnectAsync(id, token);
        var kim = await _server.Services.GetRequiredService<IAccountStore>().SavePersonAsync("kim", Role.Member, null);

        await _server.Admin.PostFormAsync("/admin/agents", $"/admin/agents/{id}/rename", new() { ["name"] = "Studio <Mac>" });
        await _server.Admin.PostFormAsync("/admin/agents", $"/admin/agents/{id}/reassign", new() { ["personId"] = kim.Id.ToString(System.Globalization.CultureInfo.InvariantCulture) });

        var board = await _server.Http.GetStringAsync("/");
        Assert.Contains("Studio &lt;Mac&gt;", board);
        Assert.Contains(">kim<", board);
        var audit = await _server.Http.GetStringAsync("/admin/audit");
        Assert.Contains("renamed agent", audit);
        Assert.Contains("reassigned agent", audit);
    }
}
