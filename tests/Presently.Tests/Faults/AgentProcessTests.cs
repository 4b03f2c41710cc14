using System.Diagnostics;
using Presently.Agent;
using Presently.Agent.Journal;
using Presently.Protocol;
using Presently.Storage;
using Presently.Tests.Fixtures;

namespace Presently.Tests.Faults;

/// <summary>The real agent process on a real X desktop: SIGKILL, a torn journal, logind sleep and lock, pause.</summary>
[Collection(TimingSensitive.Name)]
public sealed class AgentProcessTests : IAsyncLifetime
{
    private readonly TempDirectory _home = new();
    private X11Desktop _desktop = null!;
    private ServerHost _server = null!;
    private string _alpha = "";

    public async ValueTask InitializeAsync()
    {
        _desktop = await X11Desktop.StartAsync();
        _server = await ServerHost.StartAsync();
        _alpha = await _desktop.OpenTerminalAsync("AppAlpha", "Alpha terminal");
        await _desktop.ActivateAsync(_alpha);
    }

    public async ValueTask DisposeAsync()
    {
        await _server.DisposeAsync();
        await _desktop.DisposeAsync();
        _home.Dispose();
    }

    private ChildProcess StartAgent(string agentId, Dictionary<string, string?>? extra = null)
    {
        var env = new Dictionary<string, string?>
        {
            ["DISPLAY"] = _desktop.Display,
            ["PRESENTLY_AGENT_TOKEN"] = ServerHost.Token,
            ["PRESENTLY_AGENT_AGENTID"] = agentId,
            ["PRESENTLY_AGENT_IDLETHRESHOLD"] = "01:00:00",
            ["PRESENTLY_AGENT_CHECKPOINTINTERVAL"] = "00:00:02",
            ["PRESENTLY_AGENT_WATCHSYSTEMEVENTS"] = "false",
        };
        if (extra is not null)
            foreach (var (k, v) in extra) env[k] = v;
        return AgentProcess.Start(["run", "--server", _server.BaseUri.ToString(), "--verbose"], _home.Path, env);
    }

    private Task<IReadOnlyList<StoredSpan>> SpansAsync(string agentId) => _server.Store.GetSpansAsync(agentId);

    private Task<IReadOnlyList<StoredSpan>> WaitForSpansAsync(string agentId, Func<IReadOnlyList<StoredSpan>, bool> done, string what, ChildProcess agent) =>
        Eventually.Until(() => SpansAsync(agentId), spans => done(spans), TimeSpan.FromSeconds(20), $"{what}\nagent output:\n{agent.Output}");

    [Fact]
    public async Task A_SIGKILLed_agent_loses_at_most_its_checkpoint_interval_and_restarts_cleanly()
    {
        const string id = "killed-agent";
        long killedAt;
        StoredSpan killedSpan;
        using (var agent = StartAgent(id))
        {
            var spans = await WaitForSpansAsync(id, s => s.Any(x => x.App == "AppAlpha" && x.Duration >= TimeSpan.FromSeconds(4)), "a checkpointed span of AppAlpha", agent);
            killedSpan = spans.Last(x => x.App == "AppAlpha");
            killedAt = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
            agent.Process.Kill(); // SIGKILL: no shutdown code runs
            await agent.Process.WaitForExitAsync();
        }
        killedSpan = (await SpansAsync(id)).Single(s => s.SpanId == killedSpan.SpanId);
        var lostMs = killedAt - killedSpan.End.ToUnixTimeMilliseconds();
        Assert.InRange(lostMs, 0, 2_000 + 500); // checkpoint interval plus commit latency

        using var restarted = StartAgent(id);
        var after = await WaitForSpansAsync(id, s => s.Any(x => x.SpanId > killedSpan.SpanId && x.App == "AppAlpha"), "a new span after the restart", restarted);
        var next = after.First(x => x.SpanId > killedSpan.SpanId);
        Assert.True(next.Start >= killedSpan.End, "the new span must not overlap the killed one");
        Assert.DoesNotContain("error", restarted.Output);
        Assert.Equal(0, await restarted.StopAsync(TimeSpan.FromSeconds(10)));
    }

    [Fact]
    public async Task A_second_agent_on_the_same_state_directory_refuses_to_start_and_names_the_first()
    {
        // Two agents appending to one journal would send every minute twice (a second `install` on
        // Windows once started one); the second must refuse before it touches the journal.
        const string id = "single-agent";
        using var first = StartAgent(id);
        await WaitForSpansAsync(id, s => s.Any(x => x.App == "AppAlpha"), "the first agent's span", first);
        using var second = StartAgent(id);
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        await second.Process.WaitForExitAsync(deadline.Token);
        Assert.Equal(3, second.Process.ExitCode);
        Assert.Contains($"another agent is running with state directory", second.Output);
        Assert.Contains($"pid {first.Process.Id}", second.Output);
        Assert.False(first.HasExited);
        Assert.Equal(0, await first.StopAsync(TimeSpan.FromSeconds(10)));
    }

    [Fact]
    public async Task A_journal_torn_mid_record_keeps_everything_before_the_tear_and_says_what_it_dropped()
    {
        const string id = "torn-agent";
        var journalDir = Path.Combine(_home.Path, ".state", "presently", "journal");
        var work = new SyntheticWork(spans: 50, seed: 3, DateTimeOffset.UtcNow.AddHours(-2));
        using (var journal = SpanJournal.Open(new JournalOptions(journalDir), new AgentLog(TextWriter.Null)))
            journal.Append(work.Records);
        var segment = Directory.GetFiles(journalDir, "*.pjl").Single();
        using (var f = new FileStream(segment, FileMode.Open)) f.SetLength(f.Length - 5);

        using var agent = StartAgent(id);
        var keptSpans = work.Records.Take(work.Records.Count - 1).Select(r => r.SpanId).ToHashSet();
        await WaitForSpansAsync(id, s => keptSpans.IsSubsetOf(s.Select(x => x.SpanId)), "every record before the tear", agent);
        Assert.Contains("journal recovery", agent.Output);
        Assert.Contains("record cut short", agent.Output);
        var lastSpan = (await SpansAsync(id)).Single(s => s.SpanId == work.Records[^1].SpanId);
        Assert.Equal(work.Records[^2].EndMs, lastSpan.End.ToUnixTimeMilliseconds()); // the torn final version is gone
        Assert.Equal(0, await agent.StopAsync(TimeSpan.FromSeconds(10)));
    }

    [Fact]
    public async Task Logind_sleep_and_lock_end_the_active_span_at_that_moment()
    {
        Requirements.Program("dbus-send", "dbus-bin");
        const string id = "logind-agent";
        using var bus = new PrivateBus();
        var address = bus.Address;

        using var agent = StartAgent(id, new()
        {
            ["PRESENTLY_AGENT_WATCHSYSTEMEVENTS"] = "true",
            ["PRESENTLY_AGENT_SYSTEMBUSADDRESS"] = address,
            ["XDG_SESSION_ID"] = "1",
        });
        await WaitForSpansAsync(id, s => s.Any(x => x.App == "AppAlpha"), "AppAlpha", agent);
        await Eventually.Until(() => agent.Output.Contains("logind: watching sleep and lock of /org/freedesktop/login1/session/_31"), TimeSpan.FromSeconds(10), "logind subscription");

        async Task<long> Signal(string path, string member, params string[] args)
        {
            var at = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
            await ChildProcess.RunAsync("dbus-send", [$"--bus={address}", "--type=signal", path, member, .. args]);
            return at;
        }

        var lockedAt = await Signal("/org/freedesktop/login1/session/_31", "org.freedesktop.login1.Session.Lock");
        var spans = await WaitForSpansAsync(id, s => s[^1].State == SpanState.Idle, "an idle span once locked", agent);
        var beforeLock = spans[^2];
        Assert.Equal(SpanState.Active, beforeLock.State);
        Assert.InRange(beforeLock.End.ToUnixTimeMilliseconds() - lockedAt, 0, 1_500);

        await Signal("/org/freedesktop/login1/session/_31", "org.freedesktop.login1.Session.Unlock");
        await WaitForSpansAsync(id, s => s[^1].State == SpanState.Active, "active again once unlocked", agent);

        var sleepAt = await Signal("/org/freedesktop/login1", "org.freedesktop.login1.Manager.PrepareForSleep", "boolean:true");
        // The span is closed at the signal and nothing new starts while "asleep".
        spans = await WaitForSpansAsync(id, s => s[^1].End.ToUnixTimeMilliseconds() >= sleepAt, "the span closed at sleep", agent);
        Assert.InRange(spans[^1].End.ToUnixTimeMilliseconds() - sleepAt, 0, 1_500);
        var closed = spans[^1];
        var sw = Stopwatch.StartNew();
        await Eventually.Until(() => sw.Elapsed > TimeSpan.FromSeconds(3), TimeSpan.FromSeconds(5), "three seconds of sleep");
        Assert.Equal(closed.End, (await SpansAsync(id))[^1].End);
        Assert.Equal(closed.SpanId, (await SpansAsync(id))[^1].SpanId);

        await Signal("/org/freedesktop/login1", "org.freedesktop.login1.Manager.PrepareForSleep", "boolean:false");
        await WaitForSpansAsync(id, s => s[^1].SpanId != closed.SpanId && s[^1].Start > closed.End, "a new span after waking", agent);
        Assert.Equal(0, await agent.StopAsync(TimeSpan.FromSeconds(10)));
    }

    [Fact]
    public async Task Pause_records_paused_time_without_app_or_title_and_status_says_so()
    {
        const string id = "paused-agent";
        using var agent = StartAgent(id);
        await WaitForSpansAsync(id, s => s.Any(x => x.App == "AppAlpha"), "AppAlpha", agent);
        var env = new Dictionary<string, string?> { ["PRESENTLY_AGENT_AGENTID"] = id };

        var pausing = DateTimeOffset.UtcNow;
        var (code, text) = await AgentProcess.RunAsync(["pause", "--for", "30m"], _home.Path, env);
        Assert.Equal(0, code);
        Assert.Contains("paused until", text);
        var spans = await WaitForSpansAsync(id, s => s[^1].State == SpanState.Paused, "a paused span", agent);
        // The agent may notice the pause a heartbeat later, but it began when `pause` wrote its file.
        var written = new DateTimeOffset(File.GetLastWriteTimeUtc(Path.Combine(_home.Path, ".state", "presently", "pause")), TimeSpan.Zero);
        Assert.InRange(spans[^1].Start - written, TimeSpan.FromMilliseconds(-50), TimeSpan.FromMilliseconds(50));
        Assert.True(written >= pausing);
        Assert.Null(spans[^1].App);
        Assert.Null(spans[^1].Title);

        var status = await Eventually.Until(() => AgentProcess.RunAsync(["status"], _home.Path, env),
            r => r.Output.Contains("connected") && r.Output.Contains("paused until"), TimeSpan.FromSeconds(10), "status showing the pause");
        Assert.Equal(0, status.ExitCode);
        Assert.Contains("x11", status.Output);
        Assert.Contains("last acked:   seq", status.Output);
        // Every capability is named, with the reason when it is missing.
        Assert.Contains("titles: yes", status.Output);
        Assert.Contains("idle: yes", status.Output);
        Assert.Matches("lock: (yes|no — .+)", status.Output);
        Assert.Matches("sleep: (yes|no — .+)", status.Output);

        Assert.Equal(0, (await AgentProcess.RunAsync(["resume"], _home.Path, env)).ExitCode);
        await WaitForSpansAsync(id, s => s[^1].State == SpanState.Active && s[^1].App == "AppAlpha", "active again after resume", agent);
        Assert.Equal(0, await agent.StopAsync(TimeSpan.FromSeconds(10)));
        Assert.Equal(3, (await AgentProcess.RunAsync(["status"], _home.Path, env)).ExitCode);
    }
}
