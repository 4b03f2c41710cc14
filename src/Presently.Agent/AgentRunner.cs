using System.Reflection;
using System.Runtime.InteropServices;
using System.Threading.Channels;
using Presently.Agent.Config;
using Presently.Agent.Sensors;
using Presently.Agent.Spans;
using Presently.Agent.Uplink;
using Presently.Protocol;

namespace Presently.Agent;

/// <summary>
/// The agent's pipeline: sensor (own thread) → span builder → pending queue → uplink. Stopping
/// closes the open span and gives the uplink a moment to deliver it.
/// </summary>
public sealed class AgentRunner
{
    private readonly AgentSettings _settings;
    private readonly IForegroundSensor _sensor;
    private readonly TimeProvider _time;
    private readonly AgentLog _log;

    public AgentRunner(AgentSettings settings, IForegroundSensor sensor, TimeProvider time, AgentLog log)
    {
        _settings = settings;
        _sensor = sensor;
        _time = time;
        _log = log;
    }

    public static string Version =>
        typeof(AgentRunner).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0] ?? "0.0.0";

    public async Task RunAsync(CancellationToken ct)
    {
        var server = AgentSettingsLoader.AgentEndpoint(_settings.Server ?? throw new ConfigException("no server: pass --server URL or set Server in the config file"));
        var token = _settings.Token ?? throw new ConfigException("no credential: set Token in the config file or PRESENTLY_AGENT_TOKEN");
        var agentId = AgentIdentity.Resolve(_settings);
        var clock = new AgentClock(_time);
        var builder = new SpanBuilder(clock, new SequenceSource(_time), new SpanBuilderOptions(_settings.IdleThreshold, _settings.CheckpointInterval));
        var queue = new PendingQueue();
        var hello = new Hello(ProtocolConstants.Version, agentId, Version, Truncate(Environment.MachineName, 255),
            Truncate(RuntimeInformation.OSDescription, 128), [.. _sensor.Capabilities], 0);
        var uplink = new Uplink.Uplink(new UplinkOptions(server, token, hello, _settings.MaxBackoff), queue, () => clock.NowMs, _log);

        _log.Info($"agent {agentId} v{Version} watching with the {_sensor.Name} sensor, sending to {server}");
        var samples = Channel.CreateBounded<ForegroundSample>(new BoundedChannelOptions(64) { FullMode = BoundedChannelFullMode.DropOldest, SingleReader = true });
        using var sensorStop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var sensorThread = new Thread(() =>
        {
            try
            {
                _sensor.Run(s => samples.Writer.TryWrite(s), _settings.PollInterval, sensorStop.Token);
            }
            catch (Exception ex)
            {
                _log.Error($"sensor {_sensor.Name} stopped: {ex.Message}");
            }
            finally
            {
                samples.Writer.TryComplete();
            }
        }) { IsBackground = true, Name = "presently-sensor" };
        sensorThread.Start();

        using var uplinkStop = new CancellationTokenSource();
        var uplinkTask = uplink.RunAsync(uplinkStop.Token);
        try
        {
            await foreach (var sample in samples.Reader.ReadAllAsync(ct))
            {
                foreach (var record in builder.Observe(sample))
                {
                    if (record.StartMs == record.EndMs)
                        _log.Debug($"now: {record.State} {record.App} — {record.Title}");
                    queue.Add(record);
                }
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
        }

        await sensorStop.CancelAsync();
        foreach (var record in builder.Close()) queue.Add(record);
        if (!await uplink.FlushAsync(TimeSpan.FromSeconds(3)))
            _log.Warn($"stopping with {queue.Count} records the server has not acknowledged");
        await uplinkStop.CancelAsync();
        await uplinkTask;
        sensorThread.Join(TimeSpan.FromSeconds(2));
        _log.Info("agent stopped");
    }

    private static string Truncate(string s, int max) => s.Length <= max ? s : s[..max];
}
