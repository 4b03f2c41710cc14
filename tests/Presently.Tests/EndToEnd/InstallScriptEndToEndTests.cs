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
/// Over HTTPS with a self-signed certificate the line itself, as the Enrollment page gives it, runs
/// with `sh -c`: curl pins the certificate's public key, and a different key installs nothing.
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
        await InstalledAndOnTheBoardAsync(server, home.Path, script, "ann", "AppInstalled");
    }

    [Fact]
    public async Task The_pinned_install_line_installs_over_https_with_a_self_signed_certificate()
    {
        Requirements.Program("curl", "curl");
        await using var desktop = await X11Desktop.StartAsync();
        await desktop.OpenTerminalAsync("AppPinned", "Installed over a pinned certificate");
        var binary = await LinuxAgentBuild.GetAsync();
        using var builds = new TempDirectory();
        await AgentBuildsFolder.WriteAsync(builds.Path, ("linux-x64/presently-agent", await File.ReadAllBytesAsync(binary)));
        using var certs = new TempDirectory();
        var cert = await SelfSignedCertificate.WriteAsync(certs.Path);
        // No PublicCertificatePath: Kestrel's own self-signed certificate is the one pinned.
        await using var server = await ServerHost.StartAsync(null, null, ["--Presently:AgentBuildsDirectory", builds.Path, .. cert.KestrelArgs]);
        Assert.Equal("https", server.BaseUri.Scheme);
        using var home = new TempDirectory();

        var line = await ShellLineAsync(server, "ann");
        Assert.Contains($"--pinnedpubkey 'sha256//{cert.PublicKeyPin}'", line);
        using var script = RunLine(line, home.Path, desktop.Display);
        await InstalledAndOnTheBoardAsync(server, home.Path, script, "ann", "AppPinned");
        // The agent pins the certificate from then on: it connected over wss with this in its settings.
        Assert.Equal("wss", server.AgentUri.Scheme);
        var settings = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(home.Path, ".config", "presently", "agent.json")));
        Assert.Equal(cert.Sha256, settings.RootElement.GetProperty("ServerCertificateSha256").GetString());
    }

    [Fact]
    public async Task A_line_whose_pin_is_not_the_served_certificate_installs_nothing()
    {
        Requirements.Program("curl", "curl");
        using var builds = new TempDirectory();
        await AgentBuildsFolder.WriteAsync(builds.Path, ("linux-x64/presently-agent", "#!/bin/sh\necho agent\n"u8.ToArray()));
        using var certs = new TempDirectory();
        var pinned = await SelfSignedCertificate.WriteAsync(certs.Path, "pinned");
        // What someone between this computer and the server would present: another self-signed certificate.
        var served = await SelfSignedCertificate.WriteAsync(certs.Path, "served");
        await using var server = await ServerHost.StartAsync(null, null,
            ["--Presently:AgentBuildsDirectory", builds.Path, "--Presently:PublicCertificatePath", pinned.CertPath, .. served.KestrelArgs]);
        using var home = new TempDirectory();

        var line = await ShellLineAsync(server, "ann");
        Assert.Contains($"--pinnedpubkey 'sha256//{pinned.PublicKeyPin}'", line);
        using var script = RunLine(line, home.Path, display: null);
        await script.Process.WaitForExitAsync(new CancellationTokenSource(TimeSpan.FromSeconds(60)).Token);

        Assert.True(script.Process.ExitCode != 0, $"the line exited 0:\n{script.Output}");
        Assert.Contains("public key does not match pinned public key", script.Output);
        Assert.DoesNotContain("presently-install:", script.Output);
        Assert.Equal(["fake-bin"], Directory.EnumerateFileSystemEntries(home.Path).Select(Path.GetFileName));
        Assert.Empty(await server.Store.ListAgentsAsync());
    }

    /// <summary>
    /// The script fetched some other way (here: by a client that trusts anything) still pins every
    /// download itself, with whichever of curl or wget the computer has: the right key installs, another installs nothing.
    /// </summary>
    [Theory]
    [InlineData("curl")]
    [InlineData("wget")]
    public async Task The_script_pins_every_download_with_curl_or_wget(string downloader)
    {
        Requirements.Program(downloader, downloader);
        using var builds = new TempDirectory();
        await AgentBuildsFolder.WriteAsync(builds.Path, ("linux-x64/presently-agent", "#!/bin/sh\necho agent \"$1\"\n"u8.ToArray()));
        using var certs = new TempDirectory();
        var pinned = await SelfSignedCertificate.WriteAsync(certs.Path, "pinned");
        var other = await SelfSignedCertificate.WriteAsync(certs.Path, "other");

        await using (var genuine = await ServerHost.StartAsync(null, null, ["--Presently:AgentBuildsDirectory", builds.Path, .. pinned.KestrelArgs]))
        {
            using var home = new TempDirectory();
            using var script = await RunScriptOnlyWithAsync(downloader, genuine, home.Path);
            await script.Process.WaitForExitAsync(new CancellationTokenSource(TimeSpan.FromSeconds(60)).Token);
            Assert.True(script.Process.ExitCode == 0, $"install.sh with {downloader} failed ({script.Process.ExitCode}):\n{script.Output}");
            Assert.Contains("agent enroll", script.Output);
            Assert.True(File.Exists(Path.Combine(home.Path, ".local", "lib", "presently-agent", "presently-agent")));
        }

        await using var impostor = await ServerHost.StartAsync(null, null,
            ["--Presently:AgentBuildsDirectory", builds.Path, "--Presently:PublicCertificatePath", pinned.CertPath, .. other.KestrelArgs]);
        using var victim = new TempDirectory();
        using var refused = await RunScriptOnlyWithAsync(downloader, impostor, victim.Path);
        await refused.Process.WaitForExitAsync(new CancellationTokenSource(TimeSpan.FromSeconds(60)).Token);
        Assert.NotEqual(0, refused.Process.ExitCode);
        Assert.Contains("could not download", refused.Output);
        Assert.Contains("does not match pinned public key", refused.Output);
        Assert.False(Directory.Exists(Path.Combine(victim.Path, ".local")), "nothing installed");
        Assert.False(Directory.Exists(Path.Combine(victim.Path, ".config")));
    }

    [Fact]
    public async Task A_wget_that_cannot_pin_is_refused_before_any_download()
    {
        using var builds = new TempDirectory();
        await AgentBuildsFolder.WriteAsync(builds.Path, ("linux-x64/presently-agent", "#!/bin/sh\necho agent\n"u8.ToArray()));
        using var certs = new TempDirectory();
        var cert = await SelfSignedCertificate.WriteAsync(certs.Path);
        await using var server = await ServerHost.StartAsync(null, null, ["--Presently:AgentBuildsDirectory", builds.Path, .. cert.KestrelArgs]);
        using var home = new TempDirectory();
        // BusyBox's wget, say: it has --no-check-certificate but no --pinnedpubkey. Were it run to download, it would leave a mark.
        var oldWget = Path.Combine(home.Path, "old-wget");
        await File.WriteAllTextAsync(oldWget, $"#!/bin/sh\ncase $1 in --help) echo 'Usage: wget [-q] [--no-check-certificate] [-O FILE] URL' >&2; exit 1 ;; esac\ntouch '{home.Path}/downloaded'\nexit 1\n");
        File.SetUnixFileMode(oldWget, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);

        using var script = await RunScriptOnlyWithAsync(oldWget, server, home.Path);
        await script.Process.WaitForExitAsync(new CancellationTokenSource(TimeSpan.FromSeconds(60)).Token);
        Assert.NotEqual(0, script.Process.ExitCode);
        Assert.Contains("presently-install: this wget cannot pin the server's public key", script.Output);
        Assert.False(File.Exists(Path.Combine(home.Path, "downloaded")), "the old wget was not run to download");
        Assert.False(Directory.Exists(Path.Combine(home.Path, ".local")));
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

    /// <summary>
    /// The script ran to the end: the agent is installed, enrolled for <paramref name="person"/>,
    /// connected, and its card on the board shows <paramref name="app"/>.
    /// </summary>
    private static async Task InstalledAndOnTheBoardAsync(ServerHost server, string home, ChildProcess script, string person, string app)
    {
        var agentPid = 0;
        try
        {
            await script.Process.WaitForExitAsync(new CancellationTokenSource(TimeSpan.FromSeconds(90)).Token);
            Assert.True(script.Process.ExitCode == 0, $"install.sh failed ({script.Process.ExitCode}):\n{script.Output}");
            Assert.Contains("SHA-256", script.Output);
            Assert.Contains("started the agent in the background", script.Output);
            agentPid = int.Parse(System.Text.RegularExpressions.Regex.Match(script.Output, @"\(pid (\d+)").Groups[1].Value, CultureInfo.InvariantCulture);

            var installed = Path.Combine(home, ".local", "lib", "presently-agent", "presently-agent");
            Assert.True(File.Exists(installed));
            Assert.Equal(installed, new FileInfo(Path.Combine(home, ".local", "bin", "presently-agent")).LinkTarget);
            Assert.True(File.Exists(Path.Combine(home, ".config", "systemd", "user", "presently-agent.service")), "install wrote the unit even without systemd");
            var credential = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(home, ".local", "state", "presently", "credential.json")));
            var agentId = credential.RootElement.GetProperty("AgentId").GetString()!;

            // On the board: connected, owned by the person, showing the app in front.
            var connections = server.Services.GetRequiredService<AgentConnections>();
            await Eventually.Until(() => connections.IsConnected(agentId), TimeSpan.FromSeconds(30), $"agent {agentId} connected\n{script.Output}");
            var agents = await server.Store.ListAgentsAsync();
            Assert.Contains(agents, a => a.AgentId == agentId && a.PersonName == person);
            await Eventually.Until(() => server.Http.GetStringAsync("/"), html => html.Contains($"data-agent=\"{agentId}\"", StringComparison.Ordinal)
                && html.Contains(app, StringComparison.Ordinal), TimeSpan.FromSeconds(20), "the agent's card with its app on the board");
        }
        finally
        {
            // The agent outlives the script (nohup): end it by the pid the script reported.
            if (agentPid > 0) StopProcess(agentPid);
        }
    }

    /// <summary>Fetches /install.sh from the server, as the pasted line does, and starts `sh install.sh --code CODE`.</summary>
    private static async Task<ChildProcess> RunScriptAsync(ServerHost server, string home, string code, string? display)
    {
        using var anonymous = WebSession.Anonymous(server.BaseUri);
        var path = Path.Combine(home, "install.sh");
        await File.WriteAllTextAsync(path, await anonymous.Http.GetStringAsync("/install.sh"));
        return new ChildProcess("sh", [path, "--code", code], ScriptEnvironment(home, display));
    }

    /// <summary>
    /// Runs /install.sh (fetched by a client that accepts any certificate) with a PATH that has the
    /// tools the script needs and, to download with, only <paramref name="downloader"/> (installed as
    /// its own name, or a path to a stand-in that becomes `wget`).
    /// </summary>
    private static async Task<ChildProcess> RunScriptOnlyWithAsync(string downloader, ServerHost server, string home)
    {
        using var anonymous = WebSession.Anonymous(server.BaseUri);
        var path = Path.Combine(home, "install.sh");
        await File.WriteAllTextAsync(path, await anonymous.Http.GetStringAsync("/install.sh"));
        var bin = Directory.CreateDirectory(Path.Combine(home, "only-bin")).FullName;
        string[] tools = ["sh", "uname", "mktemp", "rm", "cut", "tr", "sha256sum", "mkdir", "chmod", "mv", "ln", "dirname", "grep", "nohup", "sed", "cat", "touch"];
        foreach (var tool in tools)
            File.CreateSymbolicLink(Path.Combine(bin, tool), Requirements.Find(tool) ?? throw new InvalidOperationException($"{tool} not found"));
        var isStandIn = Path.IsPathRooted(downloader);
        File.CreateSymbolicLink(Path.Combine(bin, isStandIn ? "wget" : downloader), isStandIn ? downloader : Requirements.Find(downloader)!);
        var env = ScriptEnvironment(home, display: null);
        env["PATH"] = bin;
        return new ChildProcess(Requirements.Find("sh")!, [path, "--code", "ABCD-EFGH-JKMN"], env);
    }

    /// <summary>The line an admin copies from the Enrollment page for a new code for <paramref name="person"/>.</summary>
    private static async Task<string> ShellLineAsync(ServerHost server, string person)
    {
        var page = await server.Admin.PostFormAsync("/admin/codes", "/admin/codes", new() { ["person"] = person, ["hours"] = "1" });
        var html = await page.Content.ReadAsStringAsync();
        var line = System.Text.RegularExpressions.Regex.Match(html, "<pre class=\"install-line\" id=\"install-sh\">(.*?)</pre>");
        Assert.True(line.Success, $"no shell line on the Enrollment page:\n{html}");
        return System.Net.WebUtility.HtmlDecode(line.Groups[1].Value);
    }

    /// <summary>Runs the pasted line as a terminal would: `sh -c LINE`, in the temporary HOME.</summary>
    private static ChildProcess RunLine(string line, string home, string? display) =>
        new("sh", ["-c", line], ScriptEnvironment(home, display), workingDirectory: home);

    /// <summary>
    /// A temporary HOME with no XDG overrides, and a systemctl that finds no user instance (as in a
    /// container), so the script's fallback, `presently-agent run` in the background, runs on any host.
    /// </summary>
    private static Dictionary<string, string?> ScriptEnvironment(string home, string? display)
    {
        var fakeBin = Directory.CreateDirectory(Path.Combine(home, "fake-bin")).FullName;
        var systemctl = Path.Combine(fakeBin, "systemctl");
        File.WriteAllText(systemctl, "#!/bin/sh\necho 'Failed to connect to bus: No medium found' >&2\nexit 1\n");
        File.SetUnixFileMode(systemctl, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        return new Dictionary<string, string?>
        {
            ["HOME"] = home,
            ["XDG_CONFIG_HOME"] = null,
            ["XDG_STATE_HOME"] = null,
            ["XDG_DATA_HOME"] = null,
            ["DISPLAY"] = display,
            ["PATH"] = $"{fakeBin}:{Environment.GetEnvironmentVariable("PATH")}",
            ["PRESENTLY_AGENT_IDLETHRESHOLD"] = "01:00:00",
        };
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
