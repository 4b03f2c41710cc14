using System.Runtime.InteropServices;
using Presently.Agent.Config;
using Presently.Agent.Control;
using Presently.Agent.Sensors;

namespace Presently.Agent;

/// <summary>What each command line verb does. Exit codes: 0 ok, 2 bad input, 3 cannot run here / not running.</summary>
internal static class Commands
{
    public static async Task<int> RunAsync(AgentSettings settings, CancellationToken ct)
    {
        try
        {
            var log = new AgentLog(Console.Error, settings.Verbose);
            Enrollment.CredentialFile.Apply(settings);
            using var sensor = Platforms.PlatformSelector.OpenSensor(settings, log);
            // SIGTERM (systemd, kill) stops the agent the way Ctrl+C does: the open span is closed and sent.
            using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
            void Stop(PosixSignalContext signal)
            {
                signal.Cancel = true;
                stop.Cancel();
            }
            using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Stop);
            using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, Stop);
            await using var systemEvents = Platforms.PlatformSelector.SystemEvents(settings, log);
            // Media players are followed in the background: the agent never waits on the session bus.
            using var media = settings.Context.Media && OperatingSystem.IsLinux()
                ? new Context.MprisWatcher(settings.Context.SessionBusAddress, TimeProvider.System, log).Start() : null;
            // Once started (and connected, usually), start-up code need not stay resident (ResidentCode).
            using var trim = OperatingSystem.IsLinux()
                ? new Timer(_ => Platforms.Linux.ResidentCode.Trim(), null, TimeSpan.FromSeconds(20), Timeout.InfiniteTimeSpan) : null;
            await new AgentRunner(settings, sensor, systemEvents, TimeProvider.System, log,
                Context.ContextEnrichers.For(settings.Context, media), media).RunAsync(stop.Token);
            return 0;
        }
        catch (ConfigException ex)
        {
            Console.Error.WriteLine($"presently-agent: {ex.Message}");
            return 2;
        }
        catch (Exception ex) when (ex is SensorUnavailableException or Control.AgentAlreadyRunningException)
        {
            Console.Error.WriteLine($"presently-agent: {ex.Message}");
            return 3;
        }
    }

    public static async Task<int> EnrollAsync(AgentSettings settings, string server, string code, CancellationToken ct)
    {
        try
        {
            var credential = await Enrollment.Enroller.EnrollAsync(settings, server, code, ct);
            Console.WriteLine($"enrolled: this computer is agent {credential.AgentId} of {credential.Person}; credential saved in {Enrollment.CredentialFile.PathIn(settings.StateDirectory)}");
            Console.WriteLine("start it with: presently-agent run");
            return 0;
        }
        catch (ConfigException ex)
        {
            Console.Error.WriteLine($"presently-agent: {ex.Message}");
            return 2;
        }
    }

    public static int Pause(AgentSettings settings, string? duration)
    {
        DateTimeOffset? until = null;
        if (duration is not null)
        {
            if (!PauseControl.TryParseDuration(duration, out var length))
                throw new ConfigException($"--for '{duration}' is not a duration such as 30m, 2h or 1h30m");
            until = DateTimeOffset.UtcNow + length;
        }
        new PauseControl(settings.StateDirectory).Pause(until);
        Console.WriteLine(until is { } u ? $"tracking paused until {u.ToLocalTime():yyyy-MM-dd HH:mm}" : "tracking paused until `presently-agent resume`");
        return 0;
    }

    public static int Resume(AgentSettings settings)
    {
        Console.WriteLine(new PauseControl(settings.StateDirectory).Resume() ? "tracking resumed" : "tracking was not paused");
        return 0;
    }

    public static int Status(AgentSettings settings, bool json)
    {
        var status = AgentStatus.Read(settings.StateDirectory);
        if (status is null)
        {
            Console.Error.WriteLine($"presently-agent: no agent has run with state directory {settings.StateDirectory}");
            return 3;
        }
        var now = DateTimeOffset.UtcNow;
        // The pause file is the truth, whether or not the agent is running to notice it.
        var (paused, until) = new PauseControl(settings.StateDirectory).State(now);
        status = status with { Paused = paused, PausedUntil = until };
        Console.WriteLine(json ? status.ToJson() : status.Describe(now));
        return status.IsRunning(now) ? 0 : 3;
    }
}
