namespace Presently.Tests.Fixtures;

/// <summary>The real presently-agent program, run with `dotnet presently-agent.dll` from the test output.</summary>
public static class AgentProcess
{
    public static string Dll => Path.Combine(AppContext.BaseDirectory, "presently-agent.dll");

    /// <param name="home">A temp folder standing in for the user's home: config, state.</param>
    public static ChildProcess Start(IEnumerable<string> args, string home, IDictionary<string, string?>? env = null) =>
        StartProgram("dotnet", [Dll, .. args], home, env);

    /// <summary>A published agent binary (the NativeAOT one, see <see cref="LinuxAgentBuild"/>) instead of the test output's dll.</summary>
    public static ChildProcess StartBinary(string binary, IEnumerable<string> args, string home, IDictionary<string, string?>? env = null) =>
        StartProgram(binary, [.. args], home, env);

    private static ChildProcess StartProgram(string program, string[] args, string home, IDictionary<string, string?>? env)
    {
        var environment = new Dictionary<string, string?>
        {
            ["HOME"] = home,
            ["XDG_CONFIG_HOME"] = Path.Combine(home, ".config"),
            ["XDG_STATE_HOME"] = Path.Combine(home, ".state"),
            ["DISPLAY"] = null,
        };
        if (env is not null)
            foreach (var (k, v) in env) environment[k] = v;
        return new ChildProcess(program, args, environment);
    }

    public static async Task<(int ExitCode, string Output)> RunAsync(IEnumerable<string> args, string home, IDictionary<string, string?>? env = null)
    {
        using var p = Start(args, home, env);
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await p.Process.WaitForExitAsync(cts.Token);
        return (p.Process.ExitCode, p.Output);
    }
}
