using System.Diagnostics;

namespace Presently.Bench.Load;

/// <summary>Where the load goes: a running server, its admin, and (when known) its process id, for /proc.</summary>
public sealed record LoadTarget(Uri BaseUri, string AdminName, string AdminPassword, int? ServerPid, string? CredentialFolder);

/// <summary>
/// The simulator's core, used by the command line and by the test: enroll, connect the agents, open the
/// browsers, warm up, measure, let late changes arrive, then judge every change made in the measured period.
/// </summary>
public static class LoadSimulation
{
    public static async Task<LoadResult> RunAsync(LoadTarget target, LoadOptions options, TextWriter log, CancellationToken ct)
    {
        var result = new LoadResult { Options = options };
        var stats = result.Stats;
        var changes = new ChangeLog(Convert.ToHexString(BitConverter.GetBytes(Environment.TickCount64 ^ options.Seed))[..6].ToLowerInvariant());
        result.Changes = changes;
        var server = target.ServerPid;
        result.ServerAtStart = Sample(server);

        using var admin = await WebSession.SignInAsync(target.BaseUri, target.AdminName, target.AdminPassword, ct);
        log.WriteLine($"enrolling {options.Agents:N0} agents …");
        var (credentials, enroll) = await Enrollment.EnsureAsync(admin, Enrollment.ReadCache(target.CredentialFolder), options, target.CredentialFolder, log, ct);
        result.Enroll = enroll;
        log.WriteLine($"  {enroll.Describe()}");
        result.ServerBeforeAgents = Sample(server);

        // The people watching the board signed in before the load (a sign-in is a password hash; under
        // the full load it is slow, and it is not what is measured).
        log.WriteLine($"signing in {options.Browsers} browsers …");
        var sessions = new List<WebSession>();
        try
        {
            await Parallel.ForAsync(0, options.Browsers, new ParallelOptions { MaxDegreeOfParallelism = 4, CancellationToken = ct }, async (_, token) =>
            {
                var session = await WebSession.SignInAsync(target.BaseUri, target.AdminName, target.AdminPassword, token);
                lock (sessions) sessions.Add(session);
            });
        }
        catch
        {
            foreach (var s in sessions) s.Dispose();
            throw;
        }

        var agentUri = new UriBuilder(target.BaseUri) { Scheme = target.BaseUri.Scheme == "https" ? "wss" : "ws", Path = Presently.Protocol.ProtocolConstants.Path }.Uri;
        await using var fleet = new AgentFleet(agentUri, credentials, options, changes, stats);
        result.Fleet = fleet;
        stats.Phase = Phase.Setup;
        log.WriteLine($"connecting {options.Agents:N0} agents, {options.ConnectWave} at a time …");
        var connecting = Stopwatch.StartNew();
        var lastShown = TimeSpan.Zero;
        await fleet.ConnectAllAsync(n =>
        {
            if (connecting.Elapsed - lastShown < TimeSpan.FromSeconds(5)) return;
            lastShown = connecting.Elapsed;
            log.WriteLine($"  {n:N0} connect attempts done, {fleet.ConnectedCount:N0} connected, {connecting.Elapsed.TotalSeconds:0} s, " +
                $"acked {stats.AckedRecords:N0} spans, errors {stats.ErrorCount:N0}{(Sample(server) is { } z ? $", server RSS {z.RssKb / 1024.0:N0} MiB, {z.Threads} threads" : "")}");
        }, ct);
        result.ConnectTime = connecting.Elapsed;
        result.ConnectedAfterConnect = fleet.ConnectedCount;
        log.WriteLine($"  {result.ConnectedAfterConnect:N0} connected in {result.ConnectTime.TotalSeconds:0.0} s");
        result.ServerAfterAgents = Sample(server);

        log.WriteLine($"opening {options.Browsers} browsers …");
        using var browsing = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var browsers = new List<SimBrowser>();
        var browserTasks = new List<Task>();
        try
        {
            for (var i = 0; i < options.Browsers; i++)
            {
                var browser = new SimBrowser(i, sessions[i], changes, stats, credentials.Count);
                browsers.Add(browser);
                browserTasks.Add(Task.Run(() => browser.RunAsync(browsing.Token), CancellationToken.None));
            }
            result.Browsers = browsers;
            var firstSnapshots = Task.WhenAll(browsers.Select(b => b.FirstSnapshot));
            if (await Task.WhenAny(firstSnapshots, Task.Delay(TimeSpan.FromSeconds(120), ct)) != firstSnapshots)
                stats.Error("a browser got no board within 120 s");

            stats.Phase = Phase.Warmup;
            await RunPhaseAsync("warm-up", options.Warmup, fleet, browsers, stats, server, log, ct);

            stats.Phase = Phase.Measured;
            result.ServerAtMeasureStart = Sample(server);
            result.SelfAtMeasureStart = Sample(Environment.ProcessId);
            result.MachineBusyAtMeasureStart = MachineBusy.Ticks();
            result.MeasureStarted = Stopwatch.GetTimestamp();
            result.PeakServerRssKb = await RunPhaseAsync("measured", options.Measure, fleet, browsers, stats, server, log, ct);
            result.MeasureEnded = Stopwatch.GetTimestamp();
            result.ServerAtMeasureEnd = Sample(server);
            result.SelfAtMeasureEnd = Sample(Environment.ProcessId);
            result.MachineBusyAtMeasureEnd = MachineBusy.Ticks();
            result.ConnectedAtMeasureEnd = fleet.ConnectedCount;

            stats.Phase = Phase.Grace;
            await RunPhaseAsync("grace", options.Grace, fleet, browsers, stats, server, log, ct);
            result.UnackedAtEnd = fleet.UnackedSentBefore(result.MeasureEnded);
            if (result.UnackedAtEnd > 0)
                stats.Errors.AddOrUpdate("ack missing at the end (batch sent in the measured period)", result.UnackedAtEnd, (_, n) => n + result.UnackedAtEnd);
        }
        finally
        {
            await browsing.CancelAsync();
            await Task.WhenAll(browserTasks);
            foreach (var s in sessions) s.Dispose();
        }
        result.Judge();
        return result;
    }

    /// <summary>Waits out one period, printing a line every few seconds; returns the highest server RSS seen (kB).</summary>
    private static async Task<long> RunPhaseAsync(string name, TimeSpan length, AgentFleet fleet, List<SimBrowser> browsers, RunStats stats, int? server,
        TextWriter log, CancellationToken ct)
    {
        var clock = Stopwatch.StartNew();
        var peak = 0L;
        var (lastAcked, lastChanges, lastMessages) = (stats.AckedRecords, stats.ChangesTotal, browsers.Sum(b => b.Messages));
        var lastServer = Sample(server);
        var lastLine = TimeSpan.Zero;
        while (clock.Elapsed < length)
        {
            var step = TimeSpan.FromSeconds(1) < length - clock.Elapsed ? TimeSpan.FromSeconds(1) : length - clock.Elapsed;
            await Task.Delay(step, ct);
            var now = Sample(server);
            if (now is { } n) peak = Math.Max(peak, n.RssKb);
            if (clock.Elapsed - lastLine < fleet.Options.ProgressEvery && clock.Elapsed < length) continue;
            var seconds = (clock.Elapsed - lastLine).TotalSeconds;
            lastLine = clock.Elapsed;
            var recent = browsers.SelectMany(b => b.TakeRecent()).ToList();
            recent.Sort();
            var (acked, made, messages) = (stats.AckedRecords, stats.ChangesTotal, browsers.Sum(b => b.Messages));
            var serverText = lastServer is { } a && now is { } z ? $", server {ProcSample.CpuPercent(a, z):0} % CPU, RSS {z.RssKb / 1024.0:N0} MiB, {z.Threads} threads" : "";
            log.WriteLine($"  {name,-8} {clock.Elapsed.TotalSeconds,4:0} s: agents {fleet.ConnectedCount:N0}, acked {(acked - lastAcked) / seconds:N0} spans/s, " +
                $"changes {(made - lastChanges) / seconds:N0}/s, board messages {(messages - lastMessages) / seconds:N0}/s, " +
                (recent.Count > 0 ? $"shown {recent.Count:N0} (p50 {LoadResult.Percentile(recent, 50):0} ms, p99 {LoadResult.Percentile(recent, 99):0} ms)" : "shown 0") +
                $", drops {browsers.Sum(b => b.Drops)}, errors {stats.ErrorCount}{serverText}");
            (lastAcked, lastChanges, lastMessages, lastServer) = (acked, made, messages, now);
        }
        return peak;
    }

    private static ProcSample? Sample(int? pid) => pid is { } p ? ProcSample.Read(p) : null;
}
