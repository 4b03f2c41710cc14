using Presently.Tests.Fixtures;

namespace Presently.Tests.Agent;

/// <summary>
/// The macOS agent cannot run here (no Mac), but it must compile for macOS: the osx-arm64 build of
/// the agent, with its Objective-C and Accessibility interop, in its own artifacts folder.
/// </summary>
public sealed class MacOSBuildTests
{
    [Fact]
    public async Task The_agent_compiles_for_macOS_on_Apple_silicon()
    {
        var repo = Repository.Root;
        var artifacts = Path.Combine(AppContext.BaseDirectory, "agent-osx-arm64-artifacts");
        using var build = new ChildProcess("dotnet",
            ["build", Path.Combine(repo, "src", "Presently.Agent"), "-c", "Release", "-r", "osx-arm64", "--artifacts-path", artifacts, "-nologo"]);
        using var cts = new CancellationTokenSource(TimeSpan.FromMinutes(10));
        await build.Process.WaitForExitAsync(cts.Token);
        Assert.True(build.Process.ExitCode == 0, $"the osx-arm64 build failed:\n{build.Output}");
        var apphost = Directory.EnumerateFiles(artifacts, "presently-agent", SearchOption.AllDirectories).Single(p => p.Contains("osx-arm64", StringComparison.Ordinal));
        // A Mach-O 64-bit executable starts with 0xFEEDFACF (little-endian CF FA ED FE).
        var magic = new byte[4];
        await using (var f = File.OpenRead(apphost)) await f.ReadExactlyAsync(magic);
        Assert.Equal(new byte[] { 0xCF, 0xFA, 0xED, 0xFE }, magic);
    }
}
