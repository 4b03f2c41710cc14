using System.Collections;

namespace Presently.Tests.Fixtures;

/// <summary>
/// The agent published for win-x64, self-contained, once per test run: every Wine test shares it.
/// It builds in a folder of its own (not the source tree's obj/), so a concurrent `dotnet build`
/// of the worktree never sees the Windows restore; the folder is kept, so later runs build incrementally.
/// </summary>
public static class WindowsAgentBuild
{
    private static readonly Lazy<Task<string>> Published = new(PublishAsync);

    /// <summary>The folder holding presently-agent.exe.</summary>
    public static Task<string> DirectoryAsync() => Published.Value;


    private static async Task<string> PublishAsync()
    {
        var root = Path.Combine(AppContext.BaseDirectory, "win-x64-agent");
        var output = Path.Combine(root, "publish");
        var env = new Dictionary<string, string?>();
        // `dotnet test` hands its own MSBuild settings to child processes; a nested publish must not inherit them.
        foreach (DictionaryEntry e in Environment.GetEnvironmentVariables())
            if (e.Key is string k && k.StartsWith("MSBUILD", StringComparison.OrdinalIgnoreCase)) env[k] = null;
        await ChildProcess.RunAsync("dotnet",
        [
            "publish", Path.Combine(Repository.Root, "src", "Presently.Agent"), "-r", "win-x64", "--self-contained", "-c", "Release",
            "-o", output, "--artifacts-path", Path.Combine(root, "build"), "-nologo", "-v", "q",
        ], env, TimeSpan.FromMinutes(5));
        return output;
    }
}
