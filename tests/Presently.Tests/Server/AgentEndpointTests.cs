using System.Net;
using System.Net.Http.Json;
using System.Net.WebSockets;
using System.Text.Json;
using Presently.Protocol;
using Presently.Tests.Fixtures;

namespace Presently.Tests.Server;

/// <summary>The agent endpoint against a real Kestrel and SQLite file: the happy path and every bad-input case.</summary>
public sealed class AgentEndpointTests : IAsyncLifetime
{
    private ServerHost _server = null!;

    public async ValueTask InitializeAsync() => _server = await ServerHost.StartAsync();

    public async ValueTask DisposeAsync() => await _server.DisposeAsync();

    private static long NowMs => DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();

    private static SpanRecord Span(long seq, long spanId, long startMs, long endMs, string app = "XTerm") =>
        new(seq, spanId, startMs, endMs, SpanState.Active, app, "title", null);

    private async Task<double> SecondsFor(string app)
    {
        var json = await _server.Http.GetFromJsonAsync<JsonElement>($"/api/v1/report?from={DateTime.UtcNow.AddDays(-1):yyyy-MM-dd}&to={DateTime.UtcNow.AddDays(2):yyyy-MM-dd}&groupBy=app");
        return json.GetProperty("rows").EnumerateArray()
            .Where(r => r.GetProperty("app").GetString() == app)
            .Sum(r => r.GetProperty("seconds").GetDouble());
    }

    [Fact]
    public async Task Compression_is_agreed_without_keeping_the_servers_compressor_between_messages()
    {
        // An agent of an earlier version offers deflate with both compressors kept; kept, the server's held ~300 KB per agent.
        var (agent, _) = await TestAgentClient.JoinAsync(_server.AgentUri, "agent-deflate");
        await using var _1 = agent;
        var extensions = string.Join(",", ((ClientWebSocket)agent.Socket).HttpResponseHeaders!["Sec-WebSocket-Extensions"]);
        Assert.Contains("permessage-deflate", extensions, StringComparison.Ordinal);
        Assert.Contains("server_no_context_takeover", extensions, StringComparison.Ordinal);
        // Compressed batches still go through.
        var start = NowMs - 10_000;
        await agent.SendAsync(new SpanBatch([.. Enumerable.Range(1, 50).Select(i => Span(i, i, start + i * 100, start + i * 100 + 100, "Deflated"))]));
        Assert.IsType<Ack>(await agent.ReceiveAsync());
        Assert.Equal(5.0, await SecondsFor("Deflated"), 3);
    }

    [Fact]
    public async Task A_context_is_stored_shown_encoded_on_the_board_and_a_bad_one_refused()
    {
        var (agent, _) = await TestAgentClient.JoinAsync(_server.AgentUri, "agent-context");
        await using var _1 = agent;
        var start = NowMs - 10_000;
        var context = SpanContext.Of((ContextKeys.Track, "<Intro>"), (ContextKeys.Artist, "The Band"), (ContextKeys.Playback, "paused"), (ContextKeys.Player, "Spotify"));
        await agent.SendAsync(new SpanBatch([new SpanRecord(1, 1, start, start + 5_000, SpanState.Active, "Spotify", "Spotify", context)]));
        Assert.IsType<Ack>(await agent.ReceiveAsync());
        Assert.Equal(context, (await _server.Store.GetSpansAsync("agent-context")).Single().Context);
        var board = await _server.Http.GetStringAsync("/");
        Assert.Contains("""<div class="context">♪ The Band — <Intro> (paused)</div>""", WebUtility.HtmlDecode(board));
        Assert.Contains("&lt;Intro&gt;", board);
        Assert.DoesNotContain("<Intro>", board);

        await agent.SendAsync(new SpanBatch([new SpanRecord(2, 2, start + 5_000, start + 6_000, SpanState.Active, "Spotify", "Spotify", SpanContext.FromWire([new("Track!", "x")]))]));
        var error = Assert.IsType<ErrorMessage>(await agent.ReceiveAsync());
        Assert.Equal(ErrorCodes.InvalidSpan, error.Code);
        Assert.Contains("context key", error.Message);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("wrong-token")]
    public async Task A_missing_or_wrong_credential_gets_401_before_the_upgrade(string? token)
    {
        using var socket = new ClientWebSocket();
        if (token is not null) socket.Options.SetRequestHeader("Authorization", "Bearer " + token);
        socket.Options.CollectHttpResponseDetails = true;
        await Assert.ThrowsAsync<WebSocketException>(() => socket.ConnectAsync(_server.AgentUri, CancellationToken.None));
        Assert.Equal(HttpStatusCode.Unauthorized, socket.HttpStatusCode);
    }

    [Fact]
    public async Task Hello_gets_Welcome_and_a_batch_is_acknowledged_after_commit()
    {
        var (agent, welcome) = await TestAgentClient.JoinAsync(_server.AgentUri, "agent-ok");
        await using var _ = agent;
        Assert.Equal(0, welcome.HighestStoredSeq);
        Assert.Equal(ProtocolConstants.MaxFrameBytes, welcome.Policy.MaxFrameBytes);

        var start = NowMs - 60_000;
        await agent.SendAsync(new SpanBatch([Span(10, 10, start, start + 4_000), Span(11, 11, start + 4_000, start + 7_000, "Firefox")]));
        Assert.Equal(11, Assert.IsType<Ack>(await agent.ReceiveAsync()).Seq);
        // Acknowledged means stored: a fresh read sees it.
        Assert.Equal(4.0, await SecondsFor("XTerm"));
        Assert.Equal(3.0, await SecondsFor("Firefox"));

        await using var again = (await TestAgentClient.JoinAsync(_server.AgentUri, "agent-ok")).Client;
    }

    [Fact]
    public async Task Reconnecting_agents_learn_what_is_stored_and_replays_change_no_totals()
    {
        var start = NowMs - 60_000;
        var batch = new SpanBatch([Span(1, 1, start, start + 5_000), Span(2, 1, start, start + 9_000)]);
        var (a, _) = await TestAgentClient.JoinAsync(_server.AgentUri, "agent-replay");
        await a.SendAsync(batch);
        Assert.IsType<Ack>(await a.ReceiveAsync());
        await a.DisposeAsync();

        var (b, welcome) = await TestAgentClient.JoinAsync(_server.AgentUri, "agent-replay");
        await using var _ = b;
        Assert.Equal(2, welcome.HighestStoredSeq);
        // Resending what is stored, or an old version late, is refused and changes nothing.
        await b.SendAsync(batch);
        await b.SendAsync(new SpanBatch([Span(1, 1, start, start + 5_000)]));
        Assert.Equal(ErrorCodes.InvalidSpan, Assert.IsType<ErrorMessage>(await b.ReceiveAsync()).Code);
        Assert.Equal(ErrorCodes.InvalidSpan, Assert.IsType<ErrorMessage>(await b.ReceiveAsync()).Code);
        Assert.Equal(9.0, await SecondsFor("XTerm"));
    }

    [Fact]
    public async Task An_agent_clock_ten_minutes_behind_is_corrected_and_shown()
    {
        await using var agent = await TestAgentClient.ConnectAsync(_server.AgentUri);
        var skew = (long)TimeSpan.FromMinutes(10).TotalMilliseconds;
        await agent.SendAsync(TestAgentClient.NewHello("agent-slow-clock") with { AgentClockMs = NowMs - skew });
        Assert.IsType<Welcome>(await agent.ReceiveAsync());

        var agentNow = NowMs - skew; // what the agent believes is now
        await agent.SendAsync(new SpanBatch([Span(1, 1, agentNow - 5_000, agentNow, "Slow")]));
        Assert.IsType<Ack>(await agent.ReceiveAsync());
        var stored = Assert.Single(await _server.Store.GetSpansAsync("agent-slow-clock"));
        Assert.InRange(stored.End.ToUnixTimeMilliseconds(), NowMs - 3_000, NowMs + 1_000);
        Assert.Equal(TimeSpan.FromSeconds(5), stored.Duration);
        Assert.Contains("clock 10 m behind", await _server.Http.GetStringAsync("/"));
    }

    [Fact]
    public async Task A_second_connection_of_the_same_agent_closes_the_first()
    {
        var (first, _) = await TestAgentClient.JoinAsync(_server.AgentUri, "agent-dup");
        await using var _1 = first;
        var (second, _) = await TestAgentClient.JoinAsync(_server.AgentUri, "agent-dup");
        await using var _2 = second;
        Assert.Equal(CloseCodes.Replaced, await first.WaitForCloseAsync());
    }

    [Fact]
    public async Task Garbage_gets_malformed_frame_and_the_connection_closes()
    {
        var (agent, _) = await TestAgentClient.JoinAsync(_server.AgentUri, "agent-garbage");
        await using var _ = agent;
        await agent.SendRawAsync([0xc1, 0x00, 0xff]);
        Assert.Equal(ErrorCodes.MalformedFrame, Assert.IsType<ErrorMessage>(await agent.ReceiveAsync()).Code);
        Assert.Equal(CloseCodes.InvalidPayload, await agent.WaitForCloseAsync());
    }

    [Fact]
    public async Task A_frame_over_64_KiB_gets_frame_too_large_and_the_connection_closes()
    {
        var (agent, _) = await TestAgentClient.JoinAsync(_server.AgentUri, "agent-big");
        await using var _ = agent;
        await agent.SendRawAsync(new byte[ProtocolConstants.MaxFrameBytes + 100]);
        Assert.Equal(ErrorCodes.FrameTooLarge, Assert.IsType<ErrorMessage>(await agent.ReceiveAsync()).Code);
        Assert.Equal(CloseCodes.MessageTooBig, await agent.WaitForCloseAsync());
    }

    [Fact]
    public async Task An_unknown_message_type_is_answered_and_the_connection_stays_usable()
    {
        var (agent, _) = await TestAgentClient.JoinAsync(_server.AgentUri, "agent-future-proto");
        await using var _ = agent;
        await agent.SendRawAsync([0x92, 0x2a, 0x90]); // [42, []]
        Assert.Equal(ErrorCodes.UnknownMessageType, Assert.IsType<ErrorMessage>(await agent.ReceiveAsync()).Code);
        var start = NowMs - 10_000;
        await agent.SendAsync(new SpanBatch([Span(5, 5, start, start + 1_000)]));
        Assert.Equal(5, Assert.IsType<Ack>(await agent.ReceiveAsync()).Seq);
    }

    [Fact]
    public async Task A_span_ending_before_it_starts_is_refused_and_nothing_of_its_batch_is_stored()
    {
        var (agent, _) = await TestAgentClient.JoinAsync(_server.AgentUri, "agent-backwards");
        await using var _ = agent;
        var start = NowMs - 10_000;
        await agent.SendAsync(new SpanBatch([Span(1, 1, start, start + 1_000, "Good"), Span(2, 2, start + 5_000, start + 4_000, "Bad")]));
        var error = Assert.IsType<ErrorMessage>(await agent.ReceiveAsync());
        Assert.Equal((ErrorCodes.InvalidSpan, 2L), (error.Code, error.Seq));
        Assert.Equal(0.0, await SecondsFor("Good"));
        Assert.Empty(await _server.Store.GetSpansAsync("agent-backwards"));
    }

    [Fact]
    public async Task A_timestamp_more_than_five_minutes_ahead_is_refused()
    {
        var (agent, _) = await TestAgentClient.JoinAsync(_server.AgentUri, "agent-ahead");
        await using var _ = agent;
        var future = NowMs + (long)TimeSpan.FromMinutes(6).TotalMilliseconds;
        await agent.SendAsync(new SpanBatch([Span(1, 1, future, future + 1_000)]));
        Assert.Equal(ErrorCodes.FutureTimestamp, Assert.IsType<ErrorMessage>(await agent.ReceiveAsync()).Code);
        Assert.Empty(await _server.Store.GetSpansAsync("agent-ahead"));
    }

    [Fact]
    public async Task The_first_frame_must_be_Hello()
    {
        await using var agent = await TestAgentClient.ConnectAsync(_server.AgentUri);
        await agent.SendAsync(new Ack(1));
        Assert.Equal(ErrorCodes.UnexpectedMessage, Assert.IsType<ErrorMessage>(await agent.ReceiveAsync()).Code);
        Assert.Equal(CloseCodes.PolicyViolation, await agent.WaitForCloseAsync());
    }

    [Fact]
    public async Task A_text_frame_is_refused()
    {
        await using var agent = await TestAgentClient.ConnectAsync(_server.AgentUri);
        await agent.SendRawAsync("{\"hello\":1}"u8.ToArray(), WebSocketMessageType.Text);
        Assert.Equal(ErrorCodes.MalformedFrame, Assert.IsType<ErrorMessage>(await agent.ReceiveAsync()).Code);
        Assert.Equal(CloseCodes.InvalidPayload, await agent.WaitForCloseAsync());
    }

    [Fact]
    public async Task Bad_input_from_one_agent_does_not_disturb_another()
    {
        var (good, _) = await TestAgentClient.JoinAsync(_server.AgentUri, "agent-good");
        await using var _g = good;
        var (bad, _) = await TestAgentClient.JoinAsync(_server.AgentUri, "agent-bad");
        await using var _b = bad;

        var start = NowMs - 30_000;
        await bad.SendRawAsync([0xc1]);
        await bad.WaitForCloseAsync();
        await good.SendAsync(new SpanBatch([Span(1, 1, start, start + 2_000, "StillServed")]));
        Assert.Equal(1, Assert.IsType<Ack>(await good.ReceiveAsync()).Seq);
        Assert.Equal(2.0, await SecondsFor("StillServed"));
        Assert.Equal(HttpStatusCode.OK, (await _server.Http.GetAsync("/healthz")).StatusCode);
    }
}
