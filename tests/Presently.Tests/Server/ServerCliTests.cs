using Presently.Tests.Fixtures;

namespace Presently.Tests.Server;

/// <summary>The presently-server program, run as a real process with bad settings.</summary>
public sealed class ServerCliTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    private async Task<(int Code, string Output)> RunAsync(params string[] args)
    {
        using var p = new ChildProcess("dotnet", [Path.Combine(AppContext.BaseDirectory, "presently-server.dll"), "--urls", "http://127.0.0.1:0", .. args]);
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await p.Process.WaitForExitAsync(cts.Token);
        return (p.Process.ExitCode, p.Output.Trim());
    }

    [Fact]
    public async Task Invalid_settings_stop_the_server_with_one_line()
    {
        var (code, output) = await RunAsync("--Presently:DataDirectory", _dir.Path, "--Presently:CheckpointIntervalMs", "1");
        Assert.Equal(2, code);
        Assert.Single(output.Split('\n'));
        Assert.Contains("CheckpointIntervalMs", output);
    }

    [Fact]
    public async Task An_unusable_data_directory_is_one_line_not_a_stack_trace()
    {
        var file = _dir.File("not-a-directory");
        await File.WriteAllTextAsync(file, "x");
        var (code, output) = await RunAsync("--Presently:DataDirectory", file);
        Assert.Equal(1, code);
        Assert.Single(output.Split('\n'));
        Assert.StartsWith("presently-server:", output);
    }
}
