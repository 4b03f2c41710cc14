using Presently.Agent.Config;
using Presently.Agent.Install;
using Presently.Tests.Fixtures;

namespace Presently.Tests.Agent;

/// <summary>
/// `presently-agent install` / `uninstall` with the service manager replaced by a recorder: the unit
/// and plist files under a temporary home, idempotency, the one-line answer when there is no
/// systemd user instance, and purge.
/// </summary>
public sealed class InstallTests : IDisposable
{
    private readonly TempDirectory _home = new();
    private readonly RecordingRunner _runner = new();

    public void Dispose() => _home.Dispose();

    private string ConfigHome => Path.Combine(_home.Path, ".config");

    private AgentSettings Settings => new() { StateDirectory = Path.Combine(_home.Path, ".local", "state", "presently") };

    private static readonly AgentLaunch Launch = new("/home/ann/.local/lib/presently-agent/presently-agent", ["run"],
        new Dictionary<string, string> { ["XDG_STATE_HOME"] = "/home/ann/state with space" });

    private sealed class RecordingRunner : ICommandRunner
    {
        public List<string> Calls { get; } = [];

        public Func<string, (int, string)> Answer { get; set; } = _ => (0, "");

        public (int ExitCode, string Output) Run(string program, params string[] args)
        {
            var call = $"{program} {string.Join(' ', args)}";
            Calls.Add(call);
            return Answer(call);
        }
    }

    [Fact]
    public void Install_writes_the_systemd_user_unit_and_enables_and_starts_it()
    {
        var unit = new SystemdUserUnit(ConfigHome, _runner);
        var (stdout, stderr) = (new StringWriter(), new StringWriter());

        Assert.Equal(0, InstallCommands.Install(Settings, Launch, unit, stdout, stderr));

        var path = Path.Combine(ConfigHome, "systemd", "user", "presently-agent.service");
        Assert.Equal(path, unit.UnitPath);
        var text = File.ReadAllText(path);
        Assert.Contains("ExecStart=\"/home/ann/.local/lib/presently-agent/presently-agent\" \"run\"\n", text);
        Assert.Contains("Environment=\"XDG_STATE_HOME=/home/ann/state with space\"\n", text);
        Assert.Contains("WantedBy=graphical-session.target", text);
        Assert.Equal(["systemctl --user daemon-reload", "systemctl --user enable presently-agent.service", "systemctl --user restart presently-agent.service"], _runner.Calls);
        Assert.Contains($"wrote {path}", stdout.ToString());
        Assert.Contains("not enrolled yet", stdout.ToString());
        Assert.Empty(stderr.ToString());
    }

    [Fact]
    public void Install_twice_keeps_the_same_unit()
    {
        var unit = new SystemdUserUnit(ConfigHome, _runner);
        Assert.Equal(0, InstallCommands.Install(Settings, Launch, unit, TextWriter.Null, TextWriter.Null));
        var first = File.ReadAllText(unit.UnitPath);
        var written = File.GetLastWriteTimeUtc(unit.UnitPath);
        var stdout = new StringWriter();

        Assert.Equal(0, InstallCommands.Install(Settings, Launch, unit, stdout, TextWriter.Null));

        Assert.Equal(first, File.ReadAllText(unit.UnitPath));
        Assert.Equal(written, File.GetLastWriteTimeUtc(unit.UnitPath));
        Assert.Contains($"kept {unit.UnitPath}", stdout.ToString());
        Assert.Single(Directory.GetFiles(Path.GetDirectoryName(unit.UnitPath)!));
    }

    [Fact]
    public void Without_a_systemd_user_instance_install_writes_the_unit_and_says_so_in_one_line_with_exit_code_4()
    {
        _runner.Answer = call => call.Contains("daemon-reload", StringComparison.Ordinal) ? (1, "Failed to connect to bus: No medium found\n") : (0, "");
        var unit = new SystemdUserUnit(ConfigHome, _runner);
        var (stdout, stderr) = (new StringWriter(), new StringWriter());

        Assert.Equal(InstallCommands.NoAutostart, InstallCommands.Install(Settings, Launch, unit, stdout, stderr));

        Assert.True(File.Exists(unit.UnitPath));
        var line = Assert.Single(stderr.ToString().TrimEnd().Split('\n'));
        Assert.Contains("no systemd user instance", line);
        Assert.Contains("No medium found", line);
        Assert.Contains("presently-agent run", line);
        Assert.Equal(["systemctl --user daemon-reload"], _runner.Calls);
    }

    [Fact]
    public void Without_systemctl_at_all_install_also_exits_4()
    {
        var unit = new SystemdUserUnit(ConfigHome, new ProcessRunnerWithoutSystemctl());
        var stderr = new StringWriter();
        Assert.Equal(InstallCommands.NoAutostart, InstallCommands.Install(Settings, Launch, unit, TextWriter.Null, stderr));
        Assert.Single(stderr.ToString().TrimEnd().Split('\n'));
    }

    private sealed class ProcessRunnerWithoutSystemctl : ICommandRunner
    {
        // The real runner, asked for a program that does not exist.
        public (int ExitCode, string Output) Run(string program, params string[] args) =>
            ProcessRunner.Instance.Run("/nonexistent/" + program, args);
    }

    [Fact]
    public void Uninstall_stops_and_removes_the_unit_and_keeps_the_credential_unless_purged()
    {
        var settings = Settings;
        Directory.CreateDirectory(settings.StateDirectory);
        File.WriteAllText(Path.Combine(settings.StateDirectory, "credential.json"), "{}");
        Directory.CreateDirectory(Path.Combine(settings.StateDirectory, "journal"));
        var unit = new SystemdUserUnit(ConfigHome, _runner);
        InstallCommands.Install(settings, Launch, unit, TextWriter.Null, TextWriter.Null);
        _runner.Calls.Clear();

        Assert.Equal(0, InstallCommands.Uninstall(settings, purge: false, unit, TextWriter.Null, TextWriter.Null));
        Assert.False(File.Exists(unit.UnitPath));
        Assert.Equal(["systemctl --user disable --now presently-agent.service", "systemctl --user daemon-reload"], _runner.Calls);
        Assert.True(File.Exists(Path.Combine(settings.StateDirectory, "credential.json")));

        // Again: nothing left to remove is fine.
        var stdout = new StringWriter();
        Assert.Equal(0, InstallCommands.Uninstall(settings, purge: true, unit, stdout, TextWriter.Null));
        Assert.False(Directory.Exists(settings.StateDirectory));
        Assert.Contains("no ", stdout.ToString());
        Assert.Contains($"deleted {settings.StateDirectory}", stdout.ToString());
    }

    [Fact]
    public void On_macOS_install_writes_a_LaunchAgent_and_bootstraps_it_in_the_gui_domain()
    {
        _runner.Answer = call => call == "id -u" ? (0, "501\n") : (0, "");
        var agent = new LaunchAgent(_home.Path, Path.Combine(_home.Path, "logs"), _runner);

        Assert.Equal(0, InstallCommands.Install(Settings, Launch with { Environment = new Dictionary<string, string>() }, agent, TextWriter.Null, TextWriter.Null));

        var plist = File.ReadAllText(Path.Combine(_home.Path, "Library", "LaunchAgents", "com.presently.agent.plist"));
        Assert.Contains("<key>Label</key><string>com.presently.agent</string>", plist);
        Assert.Contains("<key>ProgramArguments</key><array><string>/home/ann/.local/lib/presently-agent/presently-agent</string><string>run</string></array>", plist);
        Assert.Contains("<key>RunAtLoad</key><true/>", plist);
        Assert.DoesNotContain("EnvironmentVariables", plist);
        Assert.Contains($"launchctl bootstrap gui/501 {agent.PlistPath}", _runner.Calls);

        Assert.Equal(0, InstallCommands.Uninstall(Settings, purge: false, agent, TextWriter.Null, TextWriter.Null));
        Assert.False(File.Exists(agent.PlistPath));
        Assert.Contains("launchctl bootout gui/501/com.presently.agent", _runner.Calls);
    }

    [Fact]
    public void Unit_values_are_quoted_for_systemd()
    {
        var text = SystemdUserUnit.Render(new AgentLaunch("/opt/a \"b\"/100%/agent", ["run", "--config", "/x\\y"], new Dictionary<string, string>()));
        Assert.Contains("ExecStart=\"/opt/a \\\"b\\\"/100%%/agent\" \"run\" \"--config\" \"/x\\\\y\"\n", text);
    }

    [Fact]
    public async Task The_commands_exist_and_help_starts_nothing()
    {
        foreach (var command in new[] { "install", "uninstall" })
        {
            var (code, output) = await AgentProcess.RunAsync([command, "--help"], _home.Path);
            Assert.Equal(0, code);
            Assert.Contains(command == "install" ? "Start the agent at every login" : "--purge", output);
        }
        Assert.False(Directory.Exists(Path.Combine(_home.Path, ".config", "systemd")));
    }
}
