using System.CommandLine;
using Presently.Agent.Config;
using Presently.Agent.Platforms.Linux.Gnome;

namespace Presently.Agent.Install;

/// <summary>
/// `presently-agent install` and `uninstall`: start the agent at login, or stop doing so.
/// Exit codes: 0 done; 2 bad settings; 4 the files are written but this system has no autostart
/// mechanism to run them (no systemd user instance, as in a container) — the caller starts
/// `presently-agent run` itself; install.sh does exactly that.
/// </summary>
public static class InstallCommands
{
    public const int NoAutostart = 4;

    public static Command CreateInstall(Option<string?> configOption, Func<ParseResult, AgentSettings?> load)
    {
        var install = new Command("install", "Start the agent at every login (systemd user unit, LaunchAgent or logon entry), and now") { configOption };
        install.SetAction(parse => load(parse) is { } settings ? Install(settings, parse.GetValue(configOption), For(settings), Console.Out, Console.Error, GnomeExtension()) : 2);
        return install;
    }

    public static Command CreateUninstall(Option<string?> configOption, Func<ParseResult, AgentSettings?> load)
    {
        var purge = new Option<bool>("--purge") { Description = "Also delete this computer's credential and journal (the state directory)" };
        var uninstall = new Command("uninstall", "Stop starting the agent at login, and stop it") { configOption, purge };
        uninstall.SetAction(parse => load(parse) is { } settings ? Uninstall(settings, parse.GetValue(purge), For(settings), Console.Out, Console.Error, GnomeExtension()) : 2);
        return uninstall;
    }

    /// <summary>The autostart mechanism of this operating system, talking to the real service manager.</summary>
    public static IAutostart For(AgentSettings settings)
    {
        if (OperatingSystem.IsWindows())
            return new WindowsRunKey(() => Control.AgentStatus.Read(settings.StateDirectory)?.IsRunning(DateTimeOffset.UtcNow) == true);
        if (OperatingSystem.IsMacOS())
            return new LaunchAgent(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), settings.StateDirectory, ProcessRunner.Instance);
        return SystemdUserUnit.ForCurrentUser(ProcessRunner.Instance);
    }

    /// <summary>On Linux, the GNOME Shell extension the GNOME sensor needs (installed only where GNOME Shell is).</summary>
    public static GnomeShellExtension? GnomeExtension() =>
        OperatingSystem.IsLinux() ? GnomeShellExtension.ForCurrentUser(ProcessRunner.Instance) : null;

    public static int Install(AgentSettings settings, string? configFile, IAutostart autostart, TextWriter stdout, TextWriter stderr, GnomeShellExtension? gnome = null) =>
        Install(settings, AgentLaunch.Current(configFile), autostart, stdout, stderr, gnome);

    public static int Install(AgentSettings settings, AgentLaunch launch, IAutostart autostart, TextWriter stdout, TextWriter stderr, GnomeShellExtension? gnome = null)
    {
        AutostartResult result;
        try
        {
            // The extension first: the agent the autostart starts looks for it.
            if (gnome?.Install() is { } extension) stdout.WriteLine(extension);
            result = autostart.Install(launch);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            stderr.WriteLine($"presently-agent: cannot install: {ex.Message}");
            return 2;
        }
        if (!result.Registered)
        {
            stderr.WriteLine($"presently-agent: {result.Message}");
            return NoAutostart;
        }
        stdout.WriteLine(result.Message);
        if (!File.Exists(Enrollment.CredentialFile.PathIn(settings.StateDirectory)) && settings.Token is null)
            stdout.WriteLine("not enrolled yet: presently-agent enroll --server URL --code CODE (the running agent picks the credential up when it restarts)");
        return 0;
    }

    public static int Uninstall(AgentSettings settings, bool purge, IAutostart autostart, TextWriter stdout, TextWriter stderr, GnomeShellExtension? gnome = null)
    {
        try
        {
            stdout.WriteLine(autostart.Uninstall().Message);
            if (gnome?.Uninstall() is { } removed) stdout.WriteLine(removed);
            if (Control.AgentStatus.Read(settings.StateDirectory) is { } status && status.IsRunning(DateTimeOffset.UtcNow))
            {
                // Windows has no service manager to stop what the logon entry started: the agent is ended
                // here (its open span keeps its last checkpoint). Elsewhere systemd or launchd stopped it,
                // so one still running was started by hand.
                if (OperatingSystem.IsWindows() && StopProcess(status.Pid))
                {
                    // A killed agent cannot say it stopped, and the process table may still list it for a
                    // moment (Wine does): the status says so for it, so `status` is right at once.
                    (status with { Pid = 0 }).Write(settings.StateDirectory);
                    stdout.WriteLine($"stopped the running agent (pid {status.Pid})");
                }
                else stdout.WriteLine($"an agent still runs (pid {status.Pid}), started some other way: stop it with {(OperatingSystem.IsWindows() ? "taskkill /pid" : "kill")} {status.Pid}");
            }
            if (purge)
            {
                var existed = Directory.Exists(settings.StateDirectory);
                if (existed) Directory.Delete(settings.StateDirectory, recursive: true);
                stdout.WriteLine(existed ? $"deleted {settings.StateDirectory} (credential, journal, status)" : $"no {settings.StateDirectory} to delete");
            }
            return 0;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            stderr.WriteLine($"presently-agent: cannot uninstall: {ex.Message}");
            return 2;
        }
    }

    private static bool StopProcess(int pid)
    {
        try
        {
            using var process = System.Diagnostics.Process.GetProcessById(pid);
            process.Kill();
            return process.WaitForExit(TimeSpan.FromSeconds(10));
        }
        catch (Exception ex) when (ex is ArgumentException or InvalidOperationException or System.ComponentModel.Win32Exception)
        {
            return false;
        }
    }
}
