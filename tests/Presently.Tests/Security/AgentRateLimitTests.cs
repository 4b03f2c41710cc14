using System.Diagnostics;
using Presently.Protocol;
using Presently.Tests.Fixtures;

namespace Presently.Tests.Security;

/// <summary>An agent over its span rate is read more slowly, not refused: everything still arrives.</summary>
[Collection(TimingSensitive.Name)]
public sealed class AgentRateLimitTests
{
    [Fact]
    public async Task Spans_over_the_per_agent_rate_are_paced_and_all_acknowledged()
    {
        // 1,000 spans/s with a one-second burst: 3,000 spans cannot be through in much under two seconds.
        await using var server = await ServerHost.StartAsync(null, null, signInAdmin: false, "--Presently:AgentSpansPerSecond", "1000");
        var (agent, _) = await TestAgentClient.JoinAsync(server.AgentUri, "fast-agent");
        await using var _a = agent;
        var t = DateTimeOffset.UtcNow.AddHours(-1).ToUnixTimeMilliseconds();
        var clock = Stopwatch.StartNew();
        for (var b = 0; b < 6; b++)
        {
            var spans = Enumerable.Range(b * 500 + 1, 500).Select(i => new SpanRecord(i, i, t + i, t + i + 1, SpanState.Active, "a", null, null)).ToArray();
            await agent.SendAsync(new SpanBatch(spans));
        }
        long acked = 0;
        while (acked < 3000) acked = Assert.IsType<Ack>(await agent.ReceiveAsync()).Seq;
        var elapsed = clock.Elapsed;
        TestContext.Current.TestOutputHelper?.WriteLine($"3,000 spans at 1,000/s took {elapsed.TotalMilliseconds:0} ms");
        Assert.True(elapsed >= TimeSpan.FromSeconds(1.5), $"only {elapsed.TotalMilliseconds:0} ms: not paced");
        Assert.Equal(3000, (await server.Store.GetSpansAsync("fast-agent")).Count);
    }
}
