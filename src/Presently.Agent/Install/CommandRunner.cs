using System.Diagnostics;

namespace Presently.Agent.Install;

/// <summary>
/// The one place install and uninstall talk to the service manager (systemctl, launchctl). Tests
/// replace it, so the file-writing logic is checked without systemd.
/// </summary>
public interface ICommandRunner
{
    /// <summary>Runs a program to its end; a program that cannot be started is exit code 127 with the reason as output.</summary>
    (int ExitCode, string Output) Run(string program, params string[] args);
}

public sealed class ProcessRunner : ICommandRunner
{
    public static readonly ProcessRunner Instance = new();

    // Service managers answer in well under a second; one that hangs must not hang the install.
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    public (int ExitCode, string Output) Run(string program, params string[] args)
    {
        var start = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args) start.ArgumentList.Add(a);
        try
        {
            using var process = Process.Start(start)!;
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEndAsync();
            if (!process.WaitForExit(Timeout))
            {
                process.Kill(entireProcessTree: true);
                return (124, $"{program} did not finish within {Timeout.TotalSeconds:0} s");
            }
            return (process.ExitCode, (stdout.Result + stderr.Result).Trim());
        }
        catch (System.ComponentModel.Win32Exception ex)
        {
            return (127, $"{program}: {ex.Message}");
        }
    }
}
