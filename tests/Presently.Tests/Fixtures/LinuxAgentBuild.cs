using System.Diagnostics;

namespace Presently.Tests.Fixtures;

/// <summary>
/// A single-file linux-x64 agent for the install-script test. PRESENTLY_TEST_AGENT_BINARY (not
/// PRESENTLY_AGENT_…, which the agent would read as a setting) may name a
/// ready one (e.g. agents/linux-x64/presently-agent from deploy/build-agents.sh, the NativeAOT
/// build). Otherwise the test publishes a framework-dependent single file once per run: the
/// NativeAOT publish takes 2-5 minutes on a 2-core machine, too long for every test run, and the
/// install path (download, sum, install, enroll, start) is the same for either.
/// </summary>
public static class LinuxAgentBuild
{
    private static readonly Lazy<Task<string>> Build = new(PublishAsync);

    public static Task<string> GetAsync() =>
        Environment.GetEnvironmentVariable("PRESENTLY_TEST_AGENT_BINARY") is { Length: > 0 } ready ? Task.FromResult(ready) : Build.Value;

    private static async Task<string> PublishAsync()
    {
        var repo = RepositoryRoot();
        var output = Path.Combine(AppContext.BaseDirectory, "agent-linux-x64");
        // Its own artifacts folder: a build-agents.sh run at the same time uses the project's obj/.
        using var publish = new ChildProcess("dotnet",
        [
            "publish", Path.Combine(repo, "src", "Presently.Agent"), "-c", "Release", "-r", "linux-x64", "--self-contained", "false",
            "-p:PublishSingleFile=true", "--artifacts-path", Path.Combine(AppContext.BaseDirectory, "agent-linux-x64-artifacts"), "-o", output, "-nologo",
        ]);
        var sw = Stopwatch.StartNew();
        using var cts = new CancellationTokenSource(TimeSpan.FromMinutes(5));
        await publish.Process.WaitForExitAsync(cts.Token);
        if (publish.Process.ExitCode != 0) throw new InvalidOperationException($"publishing the agent failed:\n{publish.Output}");
        TestContext.Current.TestOutputHelper?.WriteLine($"published the framework-dependent linux-x64 agent in {sw.Elapsed.TotalSeconds:0} s");
        return Path.Combine(output, "presently-agent");
    }

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Presently.slnx"))) return dir.FullName;
        throw new InvalidOperationException("cannot find the repository (Presently.slnx) above the test output");
    }
}
