using Presently.Tests.Fixtures;

namespace Presently.Tests.Agent;

/// <summary>The agent program's command line, run as a real process.</summary>
public sealed class AgentCliTests : IDisposable
{
    private readonly TempDirectory _home = new();

    public void Dispose() => _home.Dispose();

    [Fact]
    public async Task Without_a_display_it_exits_saying_what_it_needs()
    {
        var (code, output) = await AgentProcess.RunAsync(["run", "--server", "http://127.0.0.1:9"], _home.Path,
            new Dictionary<string, string?> { ["PRESENTLY_AGENT_TOKEN"] = "x" });
        Assert.Equal(3, code);
        Assert.Contains("DISPLAY is not set", output);
        Assert.DoesNotContain("   at ", output);
    }

    [Fact]
    public async Task With_an_unreachable_display_it_names_it()
    {
        var (code, output) = await AgentProcess.RunAsync(["run", "--server", "http://127.0.0.1:9"], _home.Path,
            new Dictionary<string, string?> { ["DISPLAY"] = ":987", ["PRESENTLY_AGENT_TOKEN"] = "x" });
        Assert.Equal(3, code);
        Assert.Contains("cannot open X display ':987'", output);
    }

    [Fact]
    public async Task An_unknown_option_is_one_line_and_exit_code_2()
    {
        var (code, output) = await AgentProcess.RunAsync(["run", "--bogus"], _home.Path);
        Assert.Equal(2, code);
        Assert.Single(output.Trim().Split('\n'));
        Assert.Contains("--bogus", output);
    }

    [Fact]
    public async Task An_unparsable_config_file_is_one_line_and_exit_code_2()
    {
        var config = Path.Combine(_home.Path, "agent.json");
        await File.WriteAllTextAsync(config, "{ not json");
        var (code, output) = await AgentProcess.RunAsync(["run", "--config", config], _home.Path);
        Assert.Equal(2, code);
        Assert.Single(output.Trim().Split('\n'));
        Assert.Contains("agent.json", output);
    }

    [Fact]
    public async Task A_config_directory_instead_of_a_file_is_a_clear_error()
    {
        var (code, output) = await AgentProcess.RunAsync(["run", "--config", _home.Path], _home.Path);
        Assert.Equal(2, code);
        Assert.Single(output.Trim().Split('\n'));
    }

    [Fact]
    public async Task Help_and_version_work()
    {
        var (code, help) = await AgentProcess.RunAsync(["--help"], _home.Path);
        Assert.Equal(0, code);
        Assert.Contains("run", help);
        var (vcode, version) = await AgentProcess.RunAsync(["--version"], _home.Path);
        Assert.Equal(0, vcode);
        Assert.Matches(@"^\d+\.\d+\.\d+", version.Trim());
    }
}
