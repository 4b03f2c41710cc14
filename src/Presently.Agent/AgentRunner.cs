using System.Diagnostics;
using System.Reflection;
using System.Runtime.InteropServices;
using System.Threading.Channels;
using Presently.Agent.Config;
using Presently.Agent.Control;
using Presently.Agent.Journal;
using Presently.Agent.Privacy;
using Presently.Agent.Sensors;
using Presently.Agent.Spans;
using Presently.Agent.Uplink;
using Presently.Protocol;

namespace Presently.Agent;

/// <summary>
/// The agent's pipeline: sensor (own thread) and system events → privacy filter → span builder →
/// journal (durable) → uplink. Stopping closes the open span, journals it, and gives the uplink a
/// moment to deliver it.
/// </summary>
public sealed class AgentRunner
{
    /// <summary>status.json is rewritten when what it says changes, and at least this often (`status` calls an agent silent for 30 s stopped).</summary>
    private static readonly TimeSpan StatusHeartbeat = TimeSpan.FromSeconds(10);

    private readonly AgentSettings _settings;
    private readonly IForegroundSensor _sensor;
    private readonly ISystemEventSource? _systemEvents;
    private readonly TimeProvider _time;
    private readonly AgentLog _log;
    private readonly IReadOnlyList<Context.IContextEnricher> _enrichers;
    private readonly Context.IPresenceSource? _presence;
    private IReadOnlyList<Capability> _eventCapabilities = [];
    private Context.ContextStage? _context;
    private StatusKey? _lastStatus;
    // When a timed pause ends (agent clock, ms; 0: none), so the sensor thread passes a sample then.
    private long _pauseEndsMs;

    /// <param name="enrichers">Null: this platform's, as settings switch them on (ContextEnrichers.For).</param>
    /// <param name="presence">What can count as present without input (media playing), if anything.</param>
    public AgentRunner(AgentSettings settings, IForegroundSensor sensor, ISystemEventSource? systemEvents, TimeProvider time, AgentLog log,
        IReadOnlyList<Context.IContextEnricher>? enrichers = null, Context.IPresenceSource? presence = null)
    {
        _settings = settings;
        _sensor = sensor;
        _systemEvents = systemEvents;
        _time = time;
        _log = log;
        _enrichers = enrichers ?? Context.ContextEnrichers.For(settings.Context);
        _presence = presence;
    }

    // Read once: an attribute lookup walks reflection metadata, which showed as a seventh of the
    // agent's CPU when status.json asked for it on every write.
    public static string Version { get; } =
        typeof(AgentRunner).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0] ?? "0.0.0";

    private readonly record struct StatusKey(ConnectionState Connection, string? LastError, bool Paused, DateTimeOffset? PausedUntil, long Dropped, bool Backlog, int Enrichers);

    private abstract record Input;
    private sealed record SampleInput(ForegroundSample Sample, Instant At, long SeenThroughMs) : Input;
    private sealed record SystemInput(SystemEvent Event, Instant At) : Input;
    /// <summary>Look again at what is inside the app in front (a terminal's program, the track playing), without a new sample.</summary>
    private sealed record ContextInput(Instant At) : Input;

    public async Task RunAsync(CancellationToken ct)
    {
        var server = AgentSettingsLoader.AgentEndpoint(_settings.Server ?? throw new ConfigException("no server: run `presently-agent enroll --server URL --code CODE` first, or pass --server"));
        var token = _settings.Token ?? throw new ConfigException("no credential: run `presently-agent enroll --server URL --code CODE` first");
        var tls = new TlsPolicy(_settings);
        tls.CheckScheme(server);
        using var instance = Control.InstanceLock.Acquire(_settings.StateDirectory);
        var agentId = AgentIdentity.Resolve(_settings);
        using var journal = OpenJournal();
        var clock = new AgentClock(_time);
        var builder = new SpanBuilder(clock, new SequenceSource(_time, journal.LastSeq),
            new SpanBuilderOptions(_settings.IdleThreshold, _settings.CheckpointInterval, _settings.SleepGap));
        var privacy = new PrivacyFilter(_settings.Privacy);
        var context = _context = new Context.ContextStage(_enrichers, privacy, _settings.Context, _time, _log, _presence);
        var pause = new PauseControl(_settings.StateDirectory);
        var hello = new Hello(ProtocolConstants.Version, agentId, Version, Truncate(Environment.MachineName, 255),
            Truncate(RuntimeInformation.OSDescription, 128), [.. _sensor.Capabilities], 0);
        var uplink = new Uplink.Uplink(new UplinkOptions(server, token, hello, _settings.MaxBackoff, tls), journal, () => clock.NowMs, _log);

        _log.Info($"agent {agentId} v{Version} watching with the {_sensor.Name} sensor, sending to {server}; journal in {journal.Directory} holds {journal.SizeBytes} bytes");
        // The sensor waits when the pipeline is behind (its thread has nothing else to do); no sample is dropped.
        var inputs = Channel.CreateBounded<Input>(new BoundedChannelOptions(256) { FullMode = BoundedChannelFullMode.Wait, SingleReader = true });
        using var sensorStop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var sensorThread = StartSensor(inputs.Writer, clock, pause, sensorStop.Token);
        var eventsStarted = _systemEvents is not null && _settings.WatchSystemEvents
            && await _systemEvents.StartAsync(e => inputs.Writer.TryWrite(new SystemInput(e, clock.Stamp(_settings.SleepGap))), ct);
        _eventCapabilities = _systemEvents is null ? [Capability.No("lock", "no source on this platform"), Capability.No("sleep", "no source on this platform; a sleep shows as a gap between samples and ends the span")]
            : !_settings.WatchSystemEvents ? [Capability.No("lock", "switched off (WatchSystemEvents)"), Capability.No("sleep", "switched off (WatchSystemEvents); a sleep shows as a gap between samples")]
            : _systemEvents.Explain(eventsStarted);

        void LookAgain() => inputs.Writer.TryWrite(new ContextInput(clock.Stamp(_settings.SleepGap)));
        using var refresh = _time.CreateTimer(_ => LookAgain(), null, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        if (_presence is not null) _presence.Changed += LookAgain;

        using var uplinkStop = new CancellationTokenSource();
        var uplinkTask = uplink.RunAsync(uplinkStop.Token);
        var asleep = false;
        var locked = false;
        // Status is for people reading it now: it follows the real clock, whatever the injected one does.
        var sinceStatus = Stopwatch.StartNew();
        try
        {
            ForegroundSample? lastSample = null;
            var wasPaused = false;
            void Observe(ForegroundSample sample, Instant at, long seenThrough, (bool Paused, DateTimeOffset? Until) paused)
            {
                // Enrichers run here, on the pipeline's thread: however long they take, the sensor keeps looking.
                sample = paused.Paused || locked ? sample : context.Enrich(sample);
                var seen = privacy.Apply(sample);
                SpanState? forced = paused.Paused ? SpanState.Paused : locked ? SpanState.Idle : seen.Excluded ? SpanState.Private : null;
                Journal(journal, builder.Observe(new Observation(seen.App, seen.Title, sample.Idle, forced, seen.Context), at, seenThrough));
                // Context that changes inside the same window (a terminal's program) is looked at again soon:
                // by the sensor's heartbeat sample if that comes often enough (no extra wake-up), else by a timer.
                var ownTimer = _settings.Context.RefreshInterval < SensorHeartbeat && context.NeedsRefresh(sample);
                refresh.Change(ownTimer ? _settings.Context.RefreshInterval : Timeout.InfiniteTimeSpan, _settings.Context.RefreshInterval);
            }

            await foreach (var input in inputs.Reader.ReadAllAsync(ct))
            {
                var paused = pause.State(_time.GetUtcNow());
                // A pause is seen at the next input (a heartbeat at most later) but began when `pause`
                // wrote its file: the paused span starts there (the builder never goes back before what
                // it already recorded).
                Instant PauseBegan(Instant at) =>
                    paused.Paused && !wasPaused && lastSample is not null && pause.PausedSince is { } since
                        ? new Instant(Math.Min(at.Ms, since.ToUnixTimeMilliseconds()), at.AfterJump) : at;
                Volatile.Write(ref _pauseEndsMs, paused.Until?.ToUnixTimeMilliseconds() ?? 0);
                switch (input)
                {
                    case SystemInput { Event: SystemEvent.Sleeping, At: var at }:
                        // The span ends the moment the machine goes to sleep; nothing is recorded until it wakes.
                        asleep = true;
                        _log.Info("going to sleep: the open span ends now");
                        Journal(journal, builder.Close(at.Ms));
                        break;
                    case SystemInput { Event: SystemEvent.Woke }:
                        asleep = false;
                        _log.Info("woke up");
                        break;
                    case SystemInput { Event: var e, At: var at }:
                        locked = e == SystemEvent.Locked;
                        _log.Info(locked ? "screen locked" : "screen unlocked");
                        // The sensor may not look again for seconds: the state changes at the event.
                        // Unlocking took input, so the person is there.
                        if (lastSample is not null && !asleep) Observe(locked ? lastSample : lastSample with { Idle = TimeSpan.Zero }, at, 0, paused);
                        break;
                    case ContextInput { At: var at } when !asleep && lastSample is not null:
                        // The last sample's idle time stands: a real sample reports idle changes.
                        Observe(lastSample, PauseBegan(at), 0, paused);
                        break;
                    case SampleInput { Sample: var sample, At: var at, SeenThroughMs: var seenThrough } when !asleep:
                        at = PauseBegan(at);
                        lastSample = sample;
                        Observe(sample, at, seenThrough, paused);
                        break;
                }
                wasPaused = paused.Paused;
                // The first call always writes: nothing was written yet to compare with.
                if (WriteStatus(agentId, server, uplink, journal, paused, force: sinceStatus.Elapsed >= StatusHeartbeat))
                    sinceStatus.Restart();
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
        }

        if (_presence is not null) _presence.Changed -= LookAgain;
        await sensorStop.CancelAsync();
        if (!asleep) Journal(journal, builder.Close());
        if (!await uplink.FlushAsync(TimeSpan.FromSeconds(3)))
            _log.Warn($"stopping with unacknowledged records in the journal; they are sent on the next start");
        await uplinkStop.CancelAsync();
        await uplinkTask;
        if (_systemEvents is not null) await _systemEvents.DisposeAsync();
        sensorThread.Join(TimeSpan.FromSeconds(2));
        WriteStatus(agentId, server, uplink, journal, pause.State(_time.GetUtcNow()), force: true, stopped: true);
        _log.Info("agent stopped");
    }

    private SpanJournal OpenJournal()
    {
        try
        {
            return SpanJournal.Open(new JournalOptions(Path.Combine(_settings.StateDirectory, "journal"), _settings.JournalMaxBytes), _log);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new ConfigException($"cannot open the journal in {_settings.StateDirectory}: {ex.Message}");
        }
    }

    private void Journal(SpanJournal journal, IReadOnlyList<SpanRecord> records)
    {
        if (records.Count == 0) return;
        journal.Append(records);
        foreach (var r in records)
            if (r.StartMs == r.EndMs) _log.Debug($"now: {r.State} {r.App} — {r.Title}");
    }

    /// <summary>The longest the sensor goes without passing a sample on: every sample runs the enrichers again.</summary>
    private TimeSpan SensorHeartbeat => SampleGate.HeartbeatFor(_settings.CheckpointInterval, _settings.SleepGap);

    private Thread StartSensor(ChannelWriter<Input> inputs, AgentClock clock, PauseControl pause, CancellationToken ct)
    {
        var heartbeat = SensorHeartbeat;
        var gate = new SampleGate(_settings.IdleThreshold, heartbeat);
        var thread = new Thread(() =>
        {
            try
            {
                // Stamped here, on the sensor thread, so queueing never shifts when something was seen;
                // the gate keeps samples that change nothing from waking the pipeline.
                _sensor.Run(s =>
                {
                    var at = clock.Stamp(_settings.SleepGap);
                    if (gate.ShouldPass(s, at, pause.FileVersion(), Volatile.Read(ref _pauseEndsMs)))
                        inputs.WriteAsync(new SampleInput(s, at, gate.SeenThroughMs), ct).AsTask().GetAwaiter().GetResult();
                }, new SensorTiming(_settings.PollInterval, _settings.IdleThreshold, heartbeat), ct);
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
            }
            catch (Exception ex)
            {
                _log.Error($"sensor {_sensor.Name} stopped: {ex.Message}");
            }
            finally
            {
                inputs.TryComplete();
            }
        }) { IsBackground = true, Name = "presently-sensor" };
        thread.Start();
        return thread;
    }

    /// <summary>Writes status.json if what it says changed (or <paramref name="force"/>); true when written.</summary>
    private bool WriteStatus(string agentId, Uri server, Uplink.Uplink uplink, SpanJournal journal, (bool Paused, DateTimeOffset? Until) pause, bool force, bool stopped = false)
    {
        // What a reader acts on (connection, last error, pause, dropped records, a backlog while
        // disconnected) is written at once; counters that move with every record (acked seq, journal
        // size) and the capabilities wait for the heartbeat. Compared without building anything, as
        // this runs for every sample the pipeline takes.
        var connection = uplink.Status.State;
        var significant = new StatusKey(connection, uplink.Status.LastError, pause.Paused, pause.Until, journal.DroppedRecords,
            connection != ConnectionState.Connected && journal.LastSeq > journal.AckedSeq, _context?.Version ?? 0);
        if (!force && significant == _lastStatus) return false;
        try
        {
            var oldest = journal.OldestPending();
            var status = new AgentStatus
            {
                Pid = stopped ? 0 : Environment.ProcessId,
                UpdatedAt = _time.GetUtcNow(),
                AgentId = agentId,
                Version = Version,
                Server = server.ToString(),
                Connection = connection.ToString().ToLowerInvariant(),
                LastError = uplink.Status.LastError,
                LastAckedSeq = Interlocked.Read(ref uplink.Status.LastAckedSeq),
                JournalBytes = journal.SizeBytes,
                JournalDroppedRecords = journal.DroppedRecords,
                OldestUnsent = oldest is null ? null : DateTimeOffset.FromUnixTimeMilliseconds(oldest.StartMs),
                Sensor = $"{_sensor.Name} ({string.Join(", ", _sensor.Capabilities)})" + (_systemEvents is not null && _settings.WatchSystemEvents ? $", {_systemEvents.Name}" : ""),
                Capabilities = [.. _sensor.Explain().Concat(_eventCapabilities).Select(c => c.ToString())],
                Enrichers = _context?.Describe() ?? [],
                Paused = pause.Paused,
                PausedUntil = pause.Until,
                ClockOffsetMs = Interlocked.Read(ref uplink.Status.ClockOffsetMs),
            };
            _lastStatus = significant;
            status.Write(_settings.StateDirectory);
            return true;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            _log.Warn($"cannot write status: {ex.Message}");
            return false;
        }
    }

    private static string Truncate(string s, int max) => s.Length <= max ? s : s[..max];
}
