using Presently.Bench.Load;
using Presently.Tests.Fixtures;

namespace Presently.Tests.Bench;

/// <summary>
/// The load simulator's core (bench/Presently.Bench.Load) against a real server: a small fleet of
/// enrolled agents and two signed-in browsers for a few seconds. Every change an agent makes must
/// reach both browsers, with no error and no drop; the command line prints help without starting anything.
/// </summary>
[Collection(TimingSensitive.Name)]
public sealed class LoadSimulatorTests
{
    [Fact]
    public async Task Twenty_agents_changes_reach_both_browsers_without_errors()
    {
        await using var server = await ServerHost.StartAsync();
        var options = new LoadOptions
        {
            Agents = 20,
            Browsers = 2,
            Warmup = TimeSpan.FromSeconds(1),
            Measure = TimeSpan.FromSeconds(4),
            Grace = TimeSpan.FromSeconds(3),
            SwitchMean = TimeSpan.FromSeconds(1),
            Checkpoint = TimeSpan.FromSeconds(1),
            ProgressEvery = TimeSpan.FromSeconds(2),
        };
        var log = new StringWriter();
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(60));

        var result = await LoadSimulation.RunAsync(new LoadTarget(server.BaseUri, ServerHost.AdminName, ServerHost.AdminPassword, null, null), options, log, deadline.Token);
        result.Print(log);
        var report = log.ToString();

        Assert.True(result.ErrorCount == 0, report);
        Assert.Equal(20, result.Enroll.Enrolled);
        Assert.Equal(20, result.ConnectedAtMeasureEnd);
        Assert.True(result.Stats.AckedRecordsMeasured > 0, report);
        // About 20 agents x 4 s / 1 s: far more than a handful, whatever the draw.
        Assert.True(result.ChangesMeasured >= 20, report);
        Assert.Equal(result.ChangesMeasured * 2, result.Deliveries);
        Assert.True(result.Shown == result.Deliveries, report);
        Assert.Equal(0, result.Missing);
        Assert.Equal(0, result.Superseded);
        Assert.Equal(result.Shown, result.Latencies.Count);
        Assert.True(result.Latencies[0] > 0, report);
        Assert.Equal(0, result.Drops);
        Assert.Contains("browser latency:     p50", report);
    }

    [Fact]
    public async Task Help_prints_the_options_and_starts_nothing()
    {
        var output = new StringWriter();
        var started = System.Diagnostics.Stopwatch.StartNew();
        Assert.Equal(0, await LoadCli.RunAsync(["--help"], output));
        Assert.Contains("--agents", output.ToString());
        Assert.Contains("--server-arg", output.ToString());
        Assert.DoesNotContain("enrolling", output.ToString());
        Assert.True(started.Elapsed < TimeSpan.FromSeconds(5));

        Assert.Equal(2, await LoadCli.RunAsync(["--agents", "0"], new StringWriter()));
        Assert.Equal(2, await LoadCli.RunAsync(["--server", "http://192.0.2.1:5080", "--admin-password", "x"], new StringWriter()));
    }
}
