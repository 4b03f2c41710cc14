namespace Presently.Agent.Install;

/// <summary>What install or uninstall did, for one line of output and the exit code.</summary>
public sealed record AutostartResult(bool Registered, string Message);

/// <summary>One way of starting the agent at login: a systemd user unit, a LaunchAgent, a Run key.</summary>
public interface IAutostart
{
    /// <summary>Writes the entry (unchanged if already so) and asks the service manager to start the agent now and at login.</summary>
    AutostartResult Install(AgentLaunch launch);

    /// <summary>Stops the agent if the service manager runs it, and removes the entry. Nothing there is fine.</summary>
    AutostartResult Uninstall();
}

/// <summary>How to start this agent: its executable and the arguments before `run`, plus environment it needs.</summary>
public sealed record AgentLaunch(string Executable, IReadOnlyList<string> Arguments, IReadOnlyDictionary<string, string> Environment)
{
    /// <summary>
    /// This very program: the NativeAOT or single-file binary, or `dotnet presently-agent.dll` for a
    /// framework-dependent build. The XDG folders this install ran with go along, so the service
    /// finds the same settings and state as the command that installed it.
    /// </summary>
    public static AgentLaunch Current(string? configFile)
    {
        var process = System.Environment.ProcessPath ?? throw new InvalidOperationException("cannot tell where this program is");
        var args = new List<string>();
        if (string.Equals(Path.GetFileNameWithoutExtension(process), "dotnet", StringComparison.OrdinalIgnoreCase))
            args.Add(Path.Combine(AppContext.BaseDirectory, "presently-agent.dll"));
        args.Add("run");
        if (configFile is not null) args.AddRange(["--config", Path.GetFullPath(configFile)]);
        var environment = new Dictionary<string, string>();
        foreach (var name in new[] { "XDG_CONFIG_HOME", "XDG_STATE_HOME" })
            if (System.Environment.GetEnvironmentVariable(name) is { Length: > 0 } value) environment[name] = value;
        return new AgentLaunch(process, args, environment);
    }
}
