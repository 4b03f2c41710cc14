using System.Diagnostics;

namespace Presently.Tests.Fixtures;

/// <summary>
/// The agent as it ships on Linux: the NativeAOT linux-x64 binary, published once per test run (in
/// its own artifacts folder, so a build-agents.sh run at the same time does not collide) and shared
/// by the Linux end-to-end and install-script tests. PRESENTLY_TEST_AGENT_BINARY (not
/// PRESENTLY_AGENT_…, which the agent would read as a setting) may name a ready one, e.g.
/// agents/linux-x64/presently-agent from deploy/build-agents.sh. Needs clang (Debian clang, zlib1g-dev).
/// </summary>
public static class LinuxAgentBuild
{
    private static readonly Lazy<Task<string>> Build = new(PublishAsync);

    public static Task<string> GetAsync()
    {
        if (Environment.GetEnvironmentVariable("PRESENTLY_TEST_AGENT_BINARY") is { Length: > 0 } ready) return Task.FromResult(ready);
        Requirements.Program("clang", "clang");
        return Build.Value;
    }

    private static async Task<string> PublishAsync()
    {
        var repo = Repository.Root;
        var output = Path.Combine(AppContext.BaseDirectory, "agent-linux-x64-aot");
        using var publish = new ChildProcess("dotnet",
        [
            "publish", Path.Combine(repo, "src", "Presently.Agent"), "-c", "Release", "-r", "linux-x64", "-p:PublishAot=true",
            "--artifacts-path", Path.Combine(AppContext.BaseDirectory, "agent-linux-x64-aot-artifacts"), "-o", output, "-nologo",
        ]);
        var sw = Stopwatch.StartNew();
        using var cts = new CancellationTokenSource(TimeSpan.FromMinutes(12));
        await publish.Process.WaitForExitAsync(cts.Token);
        if (publish.Process.ExitCode != 0) throw new InvalidOperationException($"publishing the NativeAOT agent failed:\n{publish.Output}");
        TestContext.Current.TestOutputHelper?.WriteLine($"published the NativeAOT linux-x64 agent in {sw.Elapsed.TotalSeconds:0} s");
        return Path.Combine(output, "presently-agent");
    }

}
