using System.Net;
using System.Net.Http.Json;
using System.Net.WebSockets;
using System.Text.Json;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Presently.Protocol;
using Presently.Server.Admin;
using Presently.Storage;
using Presently.Tests.Fixtures;

namespace Presently.Tests.Security;

/// <summary>
/// What one enrolled agent (or someone holding only its credential) must not be able to do:
/// take the board down with its clock, survive a block or removal by connecting early, inflate
/// hours with impossible spans, or hold server memory with connections that never say Hello.
/// </summary>
public sealed class AgentAbuseTests : IAsyncLifetime
{
    private ServerHost _server = null!;

    public async ValueTask InitializeAsync() => _server = await ServerHost.StartAsync();

    public async ValueTask DisposeAsync() => await _server.DisposeAsync();

    private static long NowMs => DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();

    private static SpanRecord Active(long seq, long spanId, long startMs, long endMs, string app = "Editor") =>
        new(seq, spanId, startMs, endMs, SpanState.Active, app, "title", null);

    private async Task<double> SecondsForAgentAsync(string agentId)
    {
        var json = await _server.Http.GetFromJsonAsync<JsonElement>(
            $"/api/v1/report?from={DateTime.UtcNow.AddDays(-2):yyyy-MM-dd}&to={DateTime.UtcNow.AddDays(2):yyyy-MM-dd}&groupBy=agent");
        return json.GetProperty("rows").EnumerateArray().Where(r => r.GetProperty("agent").GetString() == agentId).Sum(r => r.GetProperty("seconds").GetDouble());
    }

    private async Task<TestAgentClient> ConnectEnrolledAsync(string agentId, string token)
    {
        var agent = await TestAgentClient.ConnectAsync(_server.AgentUri, token);
        await agent.SendAsync(TestAgentClient.NewHello(agentId));
        Assert.IsType<Welcome>(await agent.ReceiveAsync());
        return agent;
    }

    // ---- 1. an absurd clock ----

    [Theory]
    [InlineData(-10_000_000_000_000_000)]
    [InlineData(long.MinValue)]
    [InlineData(long.MaxValue)]
    public async Task An_absurd_agent_clock_is_refused_at_Hello_and_the_board_keeps_working(long agentClockMs)
    {
        await using var agent = await TestAgentClient.ConnectAsync(_server.AgentUri);
        await agent.SendAsync(TestAgentClient.NewHello("agent-clock") with { AgentClockMs = agentClockMs });
        var error = Assert.IsType<ErrorMessage>(await agent.ReceiveAsync());
        Assert.Equal(ErrorCodes.InvalidHello, error.Code);
        Assert.Equal(CloseCodes.PolicyViolation, await agent.WaitForCloseAsync());

        Assert.Equal(HttpStatusCode.OK, (await _server.Http.GetAsync("/")).StatusCode);
        using var board = await _server.Admin.OpenBoardAsync();
        Assert.Contains("hx-swap-oob", await BoardText.ReceiveAsync(board));
    }

    [Fact]
    public async Task Board_and_admin_pages_render_whatever_is_stored()
    {
        // Rows written by an older server (or by hand) with values no validator would let in now.
        var dir = new TempDirectory();
        try
        {
            await using (var first = await ServerHost.StartAsync(dir.Path))
            {
                var (a, _) = await TestAgentClient.JoinAsync(first.AgentUri, "agent-extreme");
                await a.SendAsync(new SpanBatch([Active(1, 1, NowMs - 1000, NowMs)]));
                Assert.IsType<Ack>(await a.ReceiveAsync());
                await a.DisposeAsync();
            }
            await using (var db = new SqliteConnection($"Data Source={Path.Combine(dir.Path, "presently.db")};Pooling=False"))
            {
                await db.OpenAsync();
                await using var cmd = db.CreateCommand();
                cmd.CommandText = $"UPDATE agents SET clock_offset_ms = {long.MinValue}, last_seen_ms = {long.MaxValue}; UPDATE spans SET start_ms = {long.MinValue}, end_ms = {long.MaxValue};";
                await cmd.ExecuteNonQueryAsync();
            }
            await using var second = await ServerHost.StartAsync(dir.Path);
            Assert.Equal(HttpStatusCode.OK, (await second.Http.GetAsync("/")).StatusCode);
            Assert.Equal(HttpStatusCode.OK, (await second.Http.GetAsync("/admin/agents")).StatusCode);
            using var board = await second.Admin.OpenBoardAsync();
            Assert.Contains("data-agent=\"agent-extreme\"", await BoardText.ReceiveAsync(board));
            Assert.Equal(HttpStatusCode.OK, (await second.Http.GetAsync("/api/v1/report?from=2026-01-01&to=2026-12-31")).StatusCode);
        }
        finally
        {
            SqliteConnection.ClearAllPools();
            dir.Dispose();
        }
    }

    // ---- 4. block and remove take effect even on a connection made before Hello ----

    [Fact]
    public async Task An_agent_blocked_after_the_upgrade_is_refused_at_Hello()
    {
        var (agentId, token) = await _server.EnrollAsync("ann");
        await using var agent = await TestAgentClient.ConnectAsync(_server.AgentUri, token);
        Assert.True(await _server.Services.GetRequiredService<AgentAdmin>().BlockAsync("admin", agentId));

        await agent.SendAsync(TestAgentClient.NewHello(agentId));
        Assert.IsType<ErrorMessage>(await agent.ReceiveAsync());
        Assert.Equal(CloseCodes.Blocked, await agent.WaitForCloseAsync());
    }

    [Fact]
    public async Task An_agent_removed_after_the_upgrade_is_refused_at_Hello_and_not_recreated()
    {
        var (agentId, token) = await _server.EnrollAsync("bob");
        await using var agent = await TestAgentClient.ConnectAsync(_server.AgentUri, token);
        Assert.True(await _server.Services.GetRequiredService<AgentAdmin>().RemoveAsync("admin", agentId, deleteData: true));

        await agent.SendAsync(TestAgentClient.NewHello(agentId));
        Assert.IsType<ErrorMessage>(await agent.ReceiveAsync());
        Assert.Equal(CloseCodes.Removed, await agent.WaitForCloseAsync());
        Assert.Null(await _server.Services.GetRequiredService<IAgentRegistry>().GetStatusAsync(agentId));
        Assert.DoesNotContain(await _server.Store.ListAgentsAsync(), a => a.AgentId == agentId);
    }

    [Fact]
    public async Task The_shared_development_credential_cannot_speak_for_an_enrolled_agent()
    {
        var (agentId, token) = await _server.EnrollAsync("ivy");
        await using (var own = await ConnectEnrolledAsync(agentId, token))
        {
            await using var impostor = await TestAgentClient.ConnectAsync(_server.AgentUri); // the development token
            await impostor.SendAsync(TestAgentClient.NewHello(agentId));
            Assert.IsType<ErrorMessage>(await impostor.ReceiveAsync());
            Assert.Equal(CloseCodes.PolicyViolation, await impostor.WaitForCloseAsync());
        }
        Assert.Empty(await _server.Store.GetSpansAsync(agentId));
    }

    // ---- 7. impossible spans ----

    [Fact]
    public async Task A_span_from_before_the_agent_existed_is_refused()
    {
        var (agent, _) = await TestAgentClient.JoinAsync(_server.AgentUri, "agent-1970");
        await using var _a = agent;
        await agent.SendAsync(new SpanBatch([Active(1, 1, 1_000, NowMs - 1000)]));
        var error = Assert.IsType<ErrorMessage>(await agent.ReceiveAsync());
        Assert.Equal(ErrorCodes.InvalidSpan, error.Code);
        Assert.Empty(await _server.Store.GetSpansAsync("agent-1970"));
    }

    [Fact]
    public async Task Overlapping_spans_of_one_agent_are_counted_once()
    {
        var (agent, _) = await TestAgentClient.JoinAsync(_server.AgentUri, "agent-overlap");
        await using var _a = agent;
        var end = NowMs - 1000;
        var start = end - 3_600_000;
        await agent.SendAsync(new SpanBatch([.. Enumerable.Range(1, 10).Select(i => Active(i, i, start, end, $"App{i}"))]));
        Assert.Equal(10, Assert.IsType<Ack>(await agent.ReceiveAsync()).Seq);

        Assert.Equal(3600.0, await SecondsForAgentAsync("agent-overlap"));
        var stored = (await _server.Store.GetSpansAsync("agent-overlap")).Where(s => s.End > s.Start).OrderBy(s => s.Start).ToList();
        for (var i = 1; i < stored.Count; i++) Assert.True(stored[i].Start >= stored[i - 1].End, "stored spans of one agent overlap");
    }

    [Fact]
    public async Task A_sequence_regression_stores_nothing_and_is_refused()
    {
        var (agent, _) = await TestAgentClient.JoinAsync(_server.AgentUri, "agent-regress");
        await using var _a = agent;
        var t = NowMs - 600_000;
        await agent.SendAsync(new SpanBatch([Active(10, 1, t, t + 60_000)]));
        Assert.Equal(10, Assert.IsType<Ack>(await agent.ReceiveAsync()).Seq);

        await agent.SendAsync(new SpanBatch([Active(5, 2, t + 60_000, t + 120_000, "Fabricated")]));
        var error = Assert.IsType<ErrorMessage>(await agent.ReceiveAsync());
        Assert.Equal(ErrorCodes.InvalidSpan, error.Code);
        Assert.DoesNotContain(await _server.Store.GetSpansAsync("agent-regress"), s => s.App == "Fabricated");
        Assert.Equal(60.0, await SecondsForAgentAsync("agent-regress"));
    }

    // ---- 8. per-connection resources ----

    [Fact]
    public async Task A_second_connection_still_waiting_for_Hello_on_one_credential_is_refused_before_the_upgrade()
    {
        var (_, token) = await _server.EnrollAsync("carol");
        await using var first = await TestAgentClient.ConnectAsync(_server.AgentUri, token);

        using var second = new ClientWebSocket();
        second.Options.SetRequestHeader("Authorization", "Bearer " + token);
        second.Options.CollectHttpResponseDetails = true;
        await Assert.ThrowsAsync<WebSocketException>(() => second.ConnectAsync(_server.AgentUri, CancellationToken.None));
        Assert.Equal(HttpStatusCode.TooManyRequests, second.HttpStatusCode);
    }

    [Fact]
    public void A_frame_socket_allocates_its_buffer_only_when_frames_arrive()
    {
        using var socket = WebSocket.CreateFromStream(new MemoryStream(), new WebSocketCreationOptions { IsServer = true });
        var before = GC.GetAllocatedBytesForCurrentThread();
        _ = new FrameSocket(socket);
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.True(allocated < 4096, $"a new FrameSocket allocated {allocated} bytes");
    }

    [Fact]
    public async Task A_first_frame_larger_than_any_Hello_is_refused()
    {
        await using var agent = await TestAgentClient.ConnectAsync(_server.AgentUri);
        await agent.SendRawAsync(new byte[ProtocolConstants.MaxHelloBytes + 1]);
        Assert.Equal(ErrorCodes.FrameTooLarge, Assert.IsType<ErrorMessage>(await agent.ReceiveAsync()).Code);
        Assert.Equal(CloseCodes.MessageTooBig, await agent.WaitForCloseAsync());
    }
}

/// <summary>Settings that change the server's limits, each on its own server.</summary>
public sealed class AgentLimitTests
{
    [Fact]
    public async Task A_Hello_that_never_comes_ends_with_close_code_1008()
    {
        await using var server = await ServerHost.StartAsync(null, null, "--Presently:HelloTimeout", "00:00:01");
        await using var agent = await TestAgentClient.ConnectAsync(server.AgentUri);
        var error = Assert.IsType<ErrorMessage>(await agent.ReceiveAsync());
        Assert.Equal(ErrorCodes.UnexpectedMessage, error.Code);
        Assert.Equal(CloseCodes.PolicyViolation, await agent.WaitForCloseAsync());
    }

    [Fact]
    public async Task Unknown_message_types_are_held_to_the_frame_rate()
    {
        await using var server = await ServerHost.StartAsync(null, null, "--Presently:AgentFramesPerSecond", "10");
        var (agent, _) = await TestAgentClient.JoinAsync(server.AgentUri, "agent-unknown");
        await using var _a = agent;
        var unknown = new byte[] { 0x92, 0x63, 0x90 }; // [99, []]
        const int sent = 400;
        for (var i = 0; i < sent; i++) await agent.SendRawAsync(unknown);

        // At 10 frames/s with a burst of 100, far fewer than all can be answered within two seconds.
        var answered = 0;
        using var window = new CancellationTokenSource(TimeSpan.FromSeconds(2));
        try
        {
            while (answered < sent && await ReceiveOneAsync(agent.Socket, window.Token)) answered++;
        }
        catch (OperationCanceledException)
        {
        }
        Assert.InRange(answered, 1, 200);
    }

    private static async Task<bool> ReceiveOneAsync(WebSocket socket, CancellationToken ct)
    {
        var buffer = new byte[4096];
        WebSocketReceiveResult r;
        do r = await socket.ReceiveAsync(buffer, ct);
        while (!r.EndOfMessage);
        return r.MessageType != WebSocketMessageType.Close;
    }

    [Fact]
    public async Task An_agent_over_its_daily_storage_quota_keeps_only_time_and_app_and_admins_are_told()
    {
        await using var server = await ServerHost.StartAsync(null, null, "--Presently:AgentDailyQuotaMegabytes", "1");
        var (agent, _) = await TestAgentClient.JoinAsync(server.AgentUri, "agent-greedy");
        await using var _a = agent;
        var title = new string('x', ProtocolConstants.MaxTitleLength);
        var startMs = new DateTimeOffset(DateTime.UtcNow.Date, TimeSpan.Zero).ToUnixTimeMilliseconds() + 60_000;
        long seq = 0;
        var told = 0;
        for (var batch = 0; batch < 30; batch++)
        {
            var spans = Enumerable.Range(0, 50).Select(_ =>
            {
                seq++;
                return new SpanRecord(seq, seq, startMs + seq * 10, startMs + seq * 10 + 10, SpanState.Active, "Flood", title, null);
            }).ToArray();
            await agent.SendAsync(new SpanBatch(spans));
            // Every batch is acknowledged, so the agent holds nothing back; once over, it is told (once).
            var answer = await agent.ReceiveAsync();
            if (answer is ErrorMessage { Code: ErrorCodes.QuotaExceeded, Seq: 0 })
            {
                told++;
                answer = await agent.ReceiveAsync();
            }
            Assert.Equal(seq, Assert.IsType<Ack>(answer).Seq);
        }
        Assert.Equal(1, told);

        var stored = await server.Store.GetSpansAsync("agent-greedy");
        Assert.Equal(1500, stored.Count);
        Assert.Contains(stored, s => s.Title is null && s.App == "Flood");
        Assert.InRange(stored.Where(s => s.Title is not null).Sum(s => s.Title!.Length + 64L), 900_000, 1024 * 1024);

        var page = await server.Http.GetStringAsync("/admin/agents");
        Assert.Contains("id=\"quota-alert\"", page);
        Assert.Contains("agent-greedy", page);
    }
}
