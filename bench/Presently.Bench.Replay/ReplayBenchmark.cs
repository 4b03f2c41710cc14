using System.Diagnostics;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Presently.Agent;
using Presently.Agent.Journal;
using Presently.Agent.Uplink;
using Presently.Protocol;
using Presently.Server;
using Presently.Server.Options;
using Presently.Storage;
using Presently.Storage.Sqlite;

namespace Presently.Bench.Replay;

/// <summary>
/// Fills a journal, then times how long the unmodified agent uplink and server take to move all of
/// it into SQLite: from starting the uplink until the last record is acknowledged (durably committed).
/// </summary>
public static class ReplayBenchmark
{
    private const string Token = "bench-agent-token-0123456789";
    private const string AgentId = "bench-agent";
    private const double TargetPerSecond = 50_000;

    public static async Task<int> RunAsync(BenchArgs options, string root)
    {
        // The agent's own log is kept to show on failure (reconnects, refused batches).
        var agentLogText = new StringWriter();
        var agentLog = new AgentLog(agentLogText);
        using var journal = SpanJournal.Open(new JournalOptions(Path.Combine(root, "journal"), MaxBytes: 2L << 30), agentLog);
        var workload = Fill(journal, options);
        var journalBytes = journal.SizeBytes;

        var app = await StartServerAsync(Path.Combine(root, "server"), options.Postgres);
        try
        {
            var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
            var agentUri = new UriBuilder(address) { Scheme = "ws", Path = ProtocolConstants.Path }.Uri;
            var timed = (TimedSpanStore)app.Services.GetRequiredService<ISpanStore>();
            var dbPath = app.Services.GetRequiredService<IOptions<ServerOptions>>().Value.DatabasePath;
            Console.WriteLine($"server:   {address}, agent endpoint {agentUri}");

            var (elapsed, ok) = await ReplayAsync(journal, agentUri, agentLog, options.Timeout, timed);
            if (!ok)
            {
                Console.WriteLine("agent log:");
                Console.WriteLine(agentLogText);
                return 3;
            }

            var records = workload.LastSeq;
            var perSecond = records / elapsed.TotalSeconds;
            Console.WriteLine();
            Console.WriteLine($"records replayed:   {records:N0} ({workload.Spans:N0} distinct spans)");
            Console.WriteLine($"replay time:        {elapsed.TotalSeconds:0.000} s");
            Console.WriteLine($"throughput:         {perSecond:N0} records/s, {workload.Spans / elapsed.TotalSeconds:N0} spans/s");
            Console.WriteLine($"journal size:       {journalBytes / 1e6:0.0} MB ({journalBytes / (double)records:0.0} bytes/record)");
            if (options.Postgres is null) Console.WriteLine($"SQLite at the end:  {Describe(dbPath)}");
            else Console.WriteLine($"PostgreSQL:         {await PostgresBytesAsync(options.Postgres) / 1e6:0.0} MB (pg_database_size)");
            Console.WriteLine($"target:             {TargetPerSecond:N0} spans/s {(workload.Spans / elapsed.TotalSeconds >= TargetPerSecond ? "MET" : "NOT MET")}");

            var verified = await VerifyAsync(app.Services.GetRequiredService<ISpanStore>(), workload, journal);
            await StopServerAsync(app);
            app = null;
            // Closing every pooled connection lets SQLite checkpoint the WAL into the main file.
            SqliteConnection.ClearAllPools();
            if (options.Postgres is null) Console.WriteLine($"SQLite after stop:  {Describe(dbPath)}");
            return verified ? 0 : 1;
        }
        finally
        {
            if (app is not null) await StopServerAsync(app);
        }
    }

    /// <summary>Step 1, not part of the figure: generate the records and journal them in fsynced chunks.</summary>
    private static Workload Fill(SpanJournal journal, BenchArgs options)
    {
        var workload = new Workload(options.Records, options.Versions, options.Seed, DateTimeOffset.UtcNow);
        var total = Stopwatch.StartNew();
        var appending = TimeSpan.Zero;
        var appends = 0;
        for (var left = options.Records; left > 0; left -= options.Chunk)
        {
            var chunk = workload.Next(Math.Min(options.Chunk, left));
            var started = Stopwatch.GetTimestamp();
            journal.Append(chunk);
            appending += Stopwatch.GetElapsedTime(started);
            appends++;
        }
        Console.WriteLine($"generate: {workload.LastSeq:N0} records in {total.Elapsed.TotalSeconds:0.00} s " +
                          $"({appending.TotalSeconds:0.00} s in {appends} fsynced journal appends); journal {journal.SizeBytes / 1e6:0.0} MB");
        if (journal.LastSeq != workload.LastSeq || journal.DroppedRecords != 0)
            throw new InvalidOperationException($"journal holds through seq {journal.LastSeq}, dropped {journal.DroppedRecords}");
        return workload;
    }

    /// <summary>Step 2: the real server on Kestrel at a free port, fresh data folder; its store wrapped to time commits.</summary>
    private static async Task<WebApplication> StartServerAsync(string dataDirectory, string? postgres)
    {
        string[] storeArgs = postgres is null ? [] : ["--Presently:Storage:Provider", "Postgres", "--Presently:Storage:PostgresConnectionString", postgres];
        string[] args =
        [
            .. storeArgs,
            "--urls", "http://127.0.0.1:0",
            "--Presently:DataDirectory", dataDirectory,
            "--Presently:DevelopmentAgentToken", Token,
            "--Presently:DevelopmentPerson", "bench",
            "--Logging:LogLevel:Default", "Warning",
            // The journal reaches back up to two years before this agent's first Hello, and the figure is
            // the server's ingest capacity, not the per-agent pace a real desktop is held to.
            "--Presently:AgentOfflineWindow", "3650.00:00:00",
            "--Presently:AgentSpansPerSecond", "10000000",
        ];
        var app = PresentlyServer.Build(args, builder => builder.Services.Replace(ServiceDescriptor.Singleton<ISpanStore>(sp =>
        {
            var options = sp.GetRequiredService<IOptions<ServerOptions>>().Value;
            return new TimedSpanStore(postgres is null
                ? new SqliteSpanStore(options.DatabasePath, options.StoreLimits)
                : new Presently.Storage.Postgres.PostgresSpanStore(sp.GetRequiredService<Npgsql.NpgsqlDataSource>(), options.StoreLimits));
        })));
        await app.StartAsync();
        return app;
    }

    /// <summary>Step 3, the figure: uplink start until the last seq is acknowledged.</summary>
    private static async Task<(TimeSpan Elapsed, bool Ok)> ReplayAsync(SpanJournal journal, Uri agentUri, AgentLog log, TimeSpan timeout, TimedSpanStore timed)
    {
        var hello = new Hello(ProtocolConstants.Version, AgentId, "bench", Environment.MachineName, "Linux", ["bench"], 0);
        var uplink = new Uplink(new UplinkOptions(agentUri, Token, hello, TimeSpan.FromSeconds(1)), journal,
            () => DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(), log);
        var last = journal.LastSeq;
        var usage = ResourceUsage.Start();
        using var stop = new CancellationTokenSource();

        var clock = Stopwatch.StartNew();
        var streaming = Task.Run(() => uplink.RunAsync(stop.Token));
        var (reportAt, reportedSeq, reportedTime, reported) = (TimeSpan.FromSeconds(5), 0L, TimeSpan.Zero, timed.Snapshot());
        // Polling every 10 ms adds at most ~10 ms to a run of many seconds.
        while (journal.AckedSeq < last && clock.Elapsed < timeout && uplink.Status.State != ConnectionState.Refused && !streaming.IsCompleted)
        {
            await Task.Delay(10);
            if (clock.Elapsed < reportAt) continue;
            // Per interval, to tell a slow start (JIT, small group commits) from a slowdown as the tables grow.
            var (acked, now) = (journal.AckedSeq, timed.Snapshot());
            var interval = now - reported;
            Console.WriteLine($"  {clock.Elapsed.TotalSeconds,6:0.0} s  acked {acked,10:N0}  last 5 s: {(acked - reportedSeq) / (clock.Elapsed - reportedTime).TotalSeconds,8:N0} records/s, {interval}");
            (reportAt, reportedSeq, reportedTime, reported) = (reportAt + TimeSpan.FromSeconds(5), acked, clock.Elapsed, now);
        }
        clock.Stop();
        var done = journal.AckedSeq >= last;
        var used = usage.Stop();

        await stop.CancelAsync();
        await streaming;
        if (!done)
        {
            Console.WriteLine($"FAILED: acknowledged through seq {journal.AckedSeq} of {last} after {clock.Elapsed.TotalSeconds:0.0} s; uplink {uplink.Status.State}, last error {uplink.Status.LastError ?? "none"}");
            return (clock.Elapsed, false);
        }

        // Where the time went, from the server's single writer and the process as a whole.
        Console.WriteLine($"store commits:      {timed.Commits:N0} group commits of {timed.Batches / (double)timed.Commits:0.0} batches / {timed.Spans / (double)timed.Commits:N0} spans on average");
        Console.WriteLine($"time in commits:    {timed.CommitTime.TotalSeconds:0.000} s = {timed.CommitTime / clock.Elapsed:P0} of the replay; " +
                          $"mean {timed.CommitTime.TotalMilliseconds / timed.Commits:0.00} ms, max {timed.MaxCommitTime.TotalMilliseconds:0.0} ms per commit");
        Console.WriteLine($"CPU and GC:         {used.Describe(clock.Elapsed)}");
        Console.WriteLine($"other load:         {used.DescribeOthers(clock.Elapsed)}");
        return (clock.Elapsed, true);
    }

    /// <summary>Step 4: every span is stored exactly once, as its latest version.</summary>
    private static async Task<bool> VerifyAsync(ISpanStore store, Workload workload, SpanJournal journal)
    {
        var stored = await store.GetSpansAsync(AgentId);
        var seen = new bool[workload.Spans + 1];
        var wrong = 0;
        foreach (var s in stored)
        {
            if (s.SpanId < 1 || s.SpanId > workload.Spans || seen[s.SpanId] || s.Seq != workload.FinalSeq[s.SpanId]) wrong++;
            else seen[s.SpanId] = true;
        }
        var ok = stored.Count == workload.Spans && wrong == 0 && journal.DroppedRecords == 0;
        Console.WriteLine($"verify:             {stored.Count:N0} spans stored, {workload.Spans:N0} expected, {wrong} wrong, " +
                          $"{journal.DroppedRecords} dropped by the journal: {(ok ? "OK" : "FAILED")}");
        return ok;
    }

    private static async Task StopServerAsync(WebApplication app)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        await app.StopAsync(timeout.Token);
        await app.DisposeAsync();
    }

    private static string Describe(string dbPath)
    {
        static long Size(string path) => File.Exists(path) ? new FileInfo(path).Length : 0;
        var db = Size(dbPath);
        var wal = Size(dbPath + "-wal");
        return $"{db / 1e6:0.0} MB presently.db + {wal / 1e6:0.0} MB WAL = {(db + wal) / 1e6:0.0} MB";
    }

    private static async Task<long> PostgresBytesAsync(string connectionString)
    {
        await using var source = Npgsql.NpgsqlDataSource.Create(connectionString);
        await using var cmd = source.CreateCommand("SELECT pg_database_size(current_database())");
        return (long)(await cmd.ExecuteScalarAsync())!;
    }
}
