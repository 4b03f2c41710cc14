using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Presently.Server.Agents;
using Presently.Tests.Fixtures;

namespace Presently.Tests.EndToEnd;

/// <summary>
/// The one pasted line, for real on Linux: /install.sh fetched from a running server, run with `sh`
/// under a temporary HOME, downloads the agent build the server was given, checks its SHA-256,
/// installs it, enrolls with a fresh code and starts it — and the computer shows up on the board.
/// systemctl is replaced by one that finds no user instance (as in a container), so the script's
/// fallback — starting `presently-agent run` in the background — is what runs, on any host.
/// </summary>
[Collection(TimingSensitive.Name)]
public sealed class InstallScriptEndToEndTests
{
    [Fact]
    public async Task The_install_line_puts_this_computer_on_the_board()
    {
        Requirements.Program("curl", "curl");
        await using var desktop = await X11Desktop.StartAsync();
        await desktop.OpenTerminalAsync("AppInstalled", "Installed by the script");
        var binary = await LinuxAgentBuild.GetAsync();
        using var builds = new TempDirectory();
        await AgentBuildsFolder.WriteAsync(builds.Path, ("linux-x64/presently-agent", await File.ReadAllBytesAsync(binary)));
        await using var server = await ServerHost.StartAsync(null, null, "--Presently:AgentBuildsDirectory", builds.Path);
        using var home = new TempDirectory();

        var (code, _) = await server.Services.GetRequiredService<EnrollmentCodes>().CreateAsync("ann", "test", TimeSpan.FromHours(1));
        using var script = await RunScriptAsync(server, home.Path, code, desktop.Display);
        var agentPid = 0;
        try
        {
            await script.Process.WaitForExitAsync(new CancellationTokenSource(TimeSpan.FromSeconds(90)).Token);
            Assert.True(script.Process.ExitCode == 0, $"install.sh failed ({script.Process.ExitCode}):\n{script.Output}");
            Assert.Contains("SHA-256", script.Output);
            Assert.Contains("started the agent in the background", script.Output);
            agentPid = int.Parse(System.Text.RegularExpressions.Regex.Match(script.Output, @"\(pid (\d+)").Groups[1].Value, CultureInfo.InvariantCulture);

            var installed = Path.Combine(home.Path, ".local", "lib", "presently-agent", "presently-agent");
            Assert.True(File.Exists(installed));
            Assert.Equal(installed, new FileInfo(Path.Combine(home.Path, ".local", "bin", "presently-agent")).LinkTarget);
            Assert.True(File.Exists(Path.Combine(home.Path, ".config", "systemd", "user", "presently-agent.service")), "install wrote the unit even without systemd");
            var credential = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(home.Path, ".local", "state", "presently", "credential.json")));
            var agentId = credential.RootElement.GetProperty("AgentId").GetString()!;

            // On the board: connected, owned by ann, showing the app in front.
            var connections = server.Services.GetRequiredService<AgentConnections>();
            await Eventually.Until(() => connections.IsConnected(agentId), TimeSpan.FromSeconds(30), $"agent {agentId} connected\n{script.Output}");
            var agents = await server.Store.ListAgentsAsync();
            Assert.Contains(agents, a => a.AgentId == agentId && a.PersonName == "ann");
            await Eventually.Until(() => server.Http.GetStringAsync("/"), html => html.Contains($"data-agent=\"{agentId}\"", StringComparison.Ordinal)
                && html.Contains("AppInstalled", StringComparison.Ordinal), TimeSpan.FromSeconds(20), "the agent's card with its app on the board");
        }
        finally
        {
            // The agent outlives the script (nohup): end it by the pid the script reported.
            if (agentPid > 0) StopProcess(agentPid);
        }
    }

    [Fact]
    public async Task A_download_whose_sha256_does_not_match_installs_nothing()
    {
        Requirements.Program("curl", "curl");
        using var builds = new TempDirectory();
        await AgentBuildsFolder.WriteAsync(builds.Path, ("linux-x64/presently-agent", "#!/bin/sh\necho genuine\n"u8.ToArray()));
        // Someone (or something) swapped the binary after the sums were made.
        await File.WriteAllTextAsync(Path.Combine(builds.Path, "linux-x64", "presently-agent"), "#!/bin/sh\necho tampered\n");
        await using var server = await ServerHost.StartAsync(null, null, "--Presently:AgentBuildsDirectory", builds.Path);
        using var home = new TempDirectory();

        using var script = await RunScriptAsync(server, home.Path, "ABCD-EFGH-JKMN", display: null);
        await script.Process.WaitForExitAsync(new CancellationTokenSource(TimeSpan.FromSeconds(60)).Token);

        Assert.NotEqual(0, script.Process.ExitCode);
        Assert.Contains("does not match", script.Output);
        Assert.Contains("nothing was installed", script.Output);
        Assert.False(Directory.Exists(Path.Combine(home.Path, ".local", "lib")), "nothing installed");
        Assert.False(Directory.Exists(Path.Combine(home.Path, ".local", "bin")));
        Assert.False(Directory.Exists(Path.Combine(home.Path, ".config")));
        Assert.Empty(await server.Store.ListAgentsAsync());
    }

    /// <summary>Fetches /install.sh from the server, as the pasted line does, and starts `sh install.sh --code CODE`.</summary>
    private static async Task<ChildProcess> RunScriptAsync(ServerHost server, string home, string code, string? display)
    {
        using var anonymous = WebSession.Anonymous(server.BaseUri);
        var path = Path.Combine(home, "install.sh");
        await File.WriteAllTextAsync(path, await anonymous.Http.GetStringAsync("/install.sh"));
        var fakeBin = Directory.CreateDirectory(Path.Combine(home, "fake-bin")).FullName;
        var systemctl = Path.Combine(fakeBin, "systemctl");
        await File.WriteAllTextAsync(systemctl, "#!/bin/sh\necho 'Failed to connect to bus: No medium found' >&2\nexit 1\n");
        File.SetUnixFileMode(systemctl, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        return new ChildProcess("sh", [path, "--code", code], new Dictionary<string, string?>
        {
            ["HOME"] = home,
            ["XDG_CONFIG_HOME"] = null,
            ["XDG_STATE_HOME"] = null,
            ["XDG_DATA_HOME"] = null,
            ["DISPLAY"] = display,
            ["PATH"] = $"{fakeBin}:{Environment.GetEnvironmentVariable("PATH")}",
            ["PRESENTLY_AGENT_IDLETHRESHOLD"] = "01:00:00",
        });
    }

    private static void StopProcess(int pid)
    {
        try
        {
            using var process = System.Diagnostics.Process.GetProcessById(pid);
            process.Kill();
            process.WaitForExit(5000);
        }
        catch (ArgumentException)
        {
            // Already gone.
        }
        catch (InvalidOperationException)
        {
        }
    }
}
