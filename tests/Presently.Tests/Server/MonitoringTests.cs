using System.Globalization;
using System.Net;
using System.Text.RegularExpressions;
using Presently.Protocol;
using Presently.Server.Monitoring;
using Presently.Storage;
using Presently.Tests.Fixtures;

namespace Presently.Tests.Server;

/// <summary>
/// <c>/metrics</c> and <c>/readyz</c>: readable by admins and by the networks the setting names, by no
/// one else; the server's own figures move with what it does.
/// </summary>
public sealed class MonitoringTests
{
    [Fact]
    public async Task Metrics_count_what_the_server_did_and_are_for_admins_only_by_default()
    {
        await using var server = await ServerHost.StartAsync();
        using var anonymous = WebSession.Anonymous(server.BaseUri);
        Assert.True(Refused(await anonymous.Http.GetAsync("/metrics")));
        Assert.True(Refused(await anonymous.Http.GetAsync("/readyz")));
        using var member = await server.SignInAsync("metrics-member", Role.Member);
        Assert.True(Refused(await member.Http.GetAsync("/metrics")));

        await using var agent = await TestAgentClient.JoinAsAsync(server, "ann");
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        await agent.SendAsync(new SpanBatch([
            new SpanRecord(1, 1, now - 3000, now - 2000, SpanState.Active, "Editor", "a", null),
            new SpanRecord(2, 2, now - 2000, now - 1000, SpanState.Active, "Browser", "b", null),
            new SpanRecord(3, 3, now - 1000, now, SpanState.Idle, null, null, null),
        ]));
        Assert.IsType<Ack>(await agent.ReceiveAsync());
        using var board = await server.Admin.OpenBoardAsync();
        await BoardText.ReceiveAsync(board);

        var text = await server.Http.GetStringAsync("/metrics");
        Assert.Equal(3, Value(text, "presently_spans_ingested_total"));
        Assert.Equal(1, Value(text, "presently_agents_connected"));
        Assert.Equal(1, Value(text, "presently_browsers_connected"));
        Assert.Equal(1, Value(text, "presently_ack_duration_seconds_count"));
        Assert.Equal(1, Value(text, "presently_store_commit_duration_seconds_count"));
        Assert.Contains("process_cpu_seconds_total", text, StringComparison.Ordinal);
        Assert.Equal("ready", await server.Http.GetStringAsync("/readyz"));

        await agent.DisposeAsync();
        await Eventually.Until(async () => await server.Http.GetStringAsync("/metrics"), t => Value(t, "presently_agents_connected") == 0 && Value(t, "presently_agent_closes_total") == 1,
            TimeSpan.FromSeconds(10), "the agent's connection to be counted gone");
    }

    [Fact]
    public async Task The_allowed_networks_read_without_a_session_and_others_do_not()
    {
        await using var allowed = await ServerHost.StartAsync(null, null, "--Presently:Monitoring:AllowedNetworks:0", "10.0.0.0/8", "--Presently:Monitoring:AllowedNetworks:1", "127.0.0.1");
        using var fromLoopback = WebSession.Anonymous(allowed.BaseUri);
        Assert.Equal(HttpStatusCode.OK, (await fromLoopback.Http.GetAsync("/metrics")).StatusCode);
        Assert.Equal("ready", await fromLoopback.Http.GetStringAsync("/readyz"));

        await using var elsewhere = await ServerHost.StartAsync(null, null, "--Presently:Monitoring:AllowedNetworks:0", "10.0.0.0/8");
        using var notListed = WebSession.Anonymous(elsewhere.BaseUri);
        Assert.True(Refused(await notListed.Http.GetAsync("/metrics")));
        Assert.True(Refused(await notListed.Http.GetAsync("/readyz")));
    }

    [Theory]
    [InlineData("127.0.0.1", null)]
    [InlineData("::1", null)]
    [InlineData("10.0.0.0/8", null)]
    [InlineData("fd00::/8", null)]
    [InlineData("10.0.0.0/33", "\"10.0.0.0/33\" is not an address or a network")]
    [InlineData("prometheus.local", "\"prometheus.local\" is not an address or a network")]
    public void Each_allowed_network_is_an_address_or_a_network(string value, string? problem)
    {
        var options = new MonitoringOptions { AllowedNetworks = [value] };
        if (problem is null) Assert.Null(options.Problem());
        else Assert.Contains(problem, options.Problem(), StringComparison.Ordinal);
    }

    private static bool Refused(HttpResponseMessage response) =>
        response.StatusCode is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden
        || (response.StatusCode == HttpStatusCode.Redirect && response.Headers.Location?.OriginalString.Contains("/login", StringComparison.Ordinal) == true)
        || (response.StatusCode == HttpStatusCode.Redirect && response.Headers.Location?.OriginalString.Contains("/denied", StringComparison.Ordinal) == true);

    /// <summary>The sum of a metric's samples (every label set), 0 when absent.</summary>
    private static double Value(string text, string name) =>
        Regex.Matches(text, $@"^{Regex.Escape(name)}(?:\{{[^}}]*\}})? (\S+)", RegexOptions.Multiline)
            .Sum(m => double.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture));
}
