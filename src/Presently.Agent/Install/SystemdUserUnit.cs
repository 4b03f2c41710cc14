using System.Text;

namespace Presently.Agent.Install;

/// <summary>
/// Linux: a systemd user unit, <c>$XDG_CONFIG_HOME/systemd/user/presently-agent.service</c>, enabled
/// for the graphical session (as deploy/presently-agent.service) and started now.
/// </summary>
public sealed class SystemdUserUnit(string configHome, ICommandRunner runner) : IAutostart
{
    public const string UnitName = "presently-agent.service";

    public string UnitPath => Path.Combine(configHome, "systemd", "user", UnitName);

    public static SystemdUserUnit ForCurrentUser(ICommandRunner runner) => new(ConfigHome(), runner);

    public AutostartResult Install(AgentLaunch launch)
    {
        var content = Render(launch);
        var changed = !File.Exists(UnitPath) || File.ReadAllText(UnitPath) != content;
        if (changed)
        {
            Directory.CreateDirectory(Path.GetDirectoryName(UnitPath)!);
            File.WriteAllText(UnitPath + ".tmp", content);
            File.Move(UnitPath + ".tmp", UnitPath, overwrite: true);
        }
        var written = $"{(changed ? "wrote" : "kept")} {UnitPath}";
        // restart (not start): a reinstall with a new binary runs the new one; on a first install it starts it.
        foreach (var step in new[] { new[] { "--user", "daemon-reload" }, ["--user", "enable", UnitName], ["--user", "restart", UnitName] })
        {
            var (code, output) = runner.Run("systemctl", step);
            if (code != 0)
                return new AutostartResult(false,
                    $"{written}, but there is no systemd user instance to start it (systemctl {string.Join(' ', step)}: {OneLine(output, code)}); start it yourself: presently-agent run");
        }
        return new AutostartResult(true, $"{written}; the agent runs now and at every login (systemctl --user status {UnitName})");
    }

    public AutostartResult Uninstall()
    {
        // Stopping needs systemd; removing the file does not. Both are attempted, whatever the other did.
        var (code, _) = runner.Run("systemctl", "--user", "disable", "--now", UnitName);
        var existed = File.Exists(UnitPath);
        File.Delete(UnitPath);
        if (existed) runner.Run("systemctl", "--user", "daemon-reload");
        var what = existed ? $"removed {UnitPath}" : $"no {UnitPath} to remove";
        return new AutostartResult(code == 0, code == 0 ? $"{what}; the service is stopped" : what);
    }

    public static string Render(AgentLaunch launch)
    {
        var sb = new StringBuilder();
        sb.Append("# Written by `presently-agent install`; `presently-agent uninstall` removes it.\n");
        sb.Append("[Unit]\nDescription=Presently agent\nAfter=graphical-session.target\nPartOf=graphical-session.target\n\n");
        sb.Append("[Service]\n");
        foreach (var (name, value) in launch.Environment.OrderBy(e => e.Key, StringComparer.Ordinal))
            sb.Append("Environment=").Append(Quote($"{name}={value}")).Append('\n');
        sb.Append("ExecStart=").Append(string.Join(' ', new[] { launch.Executable }.Concat(launch.Arguments).Select(Quote))).Append('\n');
        sb.Append("Restart=on-failure\nRestartSec=5\n\n[Install]\nWantedBy=graphical-session.target\n");
        return sb.ToString();
    }

    /// <summary>systemd's quoting: double quotes, with backslash, quote and the specifier % escaped.</summary>
    private static string Quote(string value) =>
        "\"" + value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal)
            .Replace("%", "%%", StringComparison.Ordinal).Replace("\n", " ", StringComparison.Ordinal) + "\"";

    private static string OneLine(string output, int code) =>
        output.Length == 0 ? $"exit code {code}" : output.ReplaceLineEndings(" ");

    private static string ConfigHome() =>
        Environment.GetEnvironmentVariable("XDG_CONFIG_HOME") is { Length: > 0 } xdg
            ? xdg
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".config");
}
