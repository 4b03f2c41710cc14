using System.Security;
using System.Text;

namespace Presently.Agent.Install;

/// <summary>
/// macOS: a LaunchAgent, <c>~/Library/LaunchAgents/com.presently.agent.plist</c>, loaded into the
/// user's GUI session with launchctl (run at load, restarted when it fails).
/// </summary>
public sealed class LaunchAgent(string home, string logDirectory, ICommandRunner runner) : IAutostart
{
    public const string Label = "com.presently.agent";

    public string PlistPath => Path.Combine(home, "Library", "LaunchAgents", Label + ".plist");

    public AutostartResult Install(AgentLaunch launch)
    {
        var content = Render(launch, logDirectory);
        var changed = !File.Exists(PlistPath) || File.ReadAllText(PlistPath) != content;
        if (changed)
        {
            Directory.CreateDirectory(Path.GetDirectoryName(PlistPath)!);
            Directory.CreateDirectory(logDirectory);
            File.WriteAllText(PlistPath, content);
        }
        var written = $"{(changed ? "wrote" : "kept")} {PlistPath}";
        if (Domain() is not { } domain)
            return new AutostartResult(false, $"{written}, but cannot tell the user id for launchctl; start it yourself: presently-agent run");
        // bootout first, so that a reinstall loads the new plist (and binary); it fails harmlessly when not loaded.
        runner.Run("launchctl", "bootout", $"{domain}/{Label}");
        var (code, output) = runner.Run("launchctl", "bootstrap", domain, PlistPath);
        return code == 0
            ? new AutostartResult(true, $"{written}; the agent runs now and at every login (launchctl print {domain}/{Label})")
            : new AutostartResult(false, $"{written}, but launchctl could not load it ({output.ReplaceLineEndings(" ")}); start it yourself: presently-agent run");
    }

    public AutostartResult Uninstall()
    {
        var stopped = Domain() is { } domain && runner.Run("launchctl", "bootout", $"{domain}/{Label}").ExitCode == 0;
        var existed = File.Exists(PlistPath);
        File.Delete(PlistPath);
        return new AutostartResult(stopped, existed ? $"removed {PlistPath}" : $"no {PlistPath} to remove");
    }

    private string? Domain()
    {
        var (code, output) = runner.Run("id", "-u");
        return code == 0 && int.TryParse(output.Trim(), out var uid) ? $"gui/{uid}" : null;
    }

    public static string Render(AgentLaunch launch, string logDirectory)
    {
        static string S(string v) => $"<string>{SecurityElement.Escape(v)}</string>";
        var sb = new StringBuilder("""
            <?xml version="1.0" encoding="UTF-8"?>
            <!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">
            <!-- Written by `presently-agent install`; `presently-agent uninstall` removes it. -->
            <plist version="1.0">
            <dict>

            """);
        sb.Append("  <key>Label</key>").Append(S(Label)).Append('\n');
        sb.Append("  <key>ProgramArguments</key><array>");
        foreach (var a in new[] { launch.Executable }.Concat(launch.Arguments)) sb.Append(S(a));
        sb.Append("</array>\n");
        if (launch.Environment.Count > 0)
        {
            sb.Append("  <key>EnvironmentVariables</key><dict>");
            foreach (var (name, value) in launch.Environment.OrderBy(e => e.Key, StringComparer.Ordinal))
                sb.Append("<key>").Append(SecurityElement.Escape(name)).Append("</key>").Append(S(value));
            sb.Append("</dict>\n");
        }
        sb.Append("  <key>RunAtLoad</key><true/>\n");
        sb.Append("  <key>KeepAlive</key><dict><key>SuccessfulExit</key><false/></dict>\n");
        sb.Append("  <key>ProcessType</key><string>Interactive</string>\n");
        sb.Append("  <key>StandardErrorPath</key>").Append(S(Path.Combine(logDirectory, "agent.log"))).Append('\n');
        sb.Append("</dict>\n</plist>\n");
        return sb.ToString();
    }
}
