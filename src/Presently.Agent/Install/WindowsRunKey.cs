using System.Diagnostics;
using System.Runtime.Versioning;
using Microsoft.Win32;

namespace Presently.Agent.Install;

/// <summary>
/// Windows: a per-user logon entry, the value "Presently" under
/// <c>HKCU\Software\Microsoft\Windows\CurrentVersion\Run</c>, and the agent started now.
/// </summary>
[SupportedOSPlatform("windows")]
public sealed class WindowsRunKey(Func<bool> agentRunning) : IAutostart
{
    private const string RunKey = @"Software\Microsoft\Windows\CurrentVersion\Run";
    private const string ValueName = "Presently";

    public AutostartResult Install(AgentLaunch launch)
    {
        var command = CommandLine(launch);
        using var key = Registry.CurrentUser.CreateSubKey(RunKey, writable: true);
        var changed = key.GetValue(ValueName) as string != command;
        if (changed) key.SetValue(ValueName, command, RegistryValueKind.String);
        if (agentRunning())
            return new AutostartResult(true, $"{(changed ? "added" : "kept")} HKCU\\{RunKey}\\{ValueName}; the agent is already running, and runs at every logon");
        // Started through the shell, hidden: a child created directly would inherit this command's
        // console and standard handles (closing that console would end the agent, and whoever waits
        // for this command's output would wait for the agent too). It inherits this environment.
        var start = new ProcessStartInfo(launch.Executable) { UseShellExecute = true, WindowStyle = ProcessWindowStyle.Hidden };
        foreach (var a in launch.Arguments) start.ArgumentList.Add(a);
        try
        {
            Process.Start(start)?.Dispose();
        }
        catch (System.ComponentModel.Win32Exception ex)
        {
            return new AutostartResult(false, $"{(changed ? "added" : "kept")} HKCU\\{RunKey}\\{ValueName}, but could not start the agent now: {ex.Message}");
        }
        return new AutostartResult(true, $"{(changed ? "added" : "kept")} HKCU\\{RunKey}\\{ValueName}; the agent runs now and at every logon");
    }

    public AutostartResult Uninstall()
    {
        using var key = Registry.CurrentUser.OpenSubKey(RunKey, writable: true);
        var existed = key?.GetValue(ValueName) is not null;
        key?.DeleteValue(ValueName, throwOnMissingValue: false);
        return new AutostartResult(existed, existed ? $"removed HKCU\\{RunKey}\\{ValueName}" : "no logon entry to remove");
    }

    private static string CommandLine(AgentLaunch launch) =>
        string.Join(' ', new[] { launch.Executable }.Concat(launch.Arguments).Select(a => a.Contains(' ', StringComparison.Ordinal) ? $"\"{a}\"" : a));
}
