using System.Text;
using Microsoft.Extensions.Options;
using Presently.Server.Options;
using static Presently.Server.Html.Html;

namespace Presently.Server.Downloads;

/// <summary>
/// What the Enrollment page shows under a new code: the one line to paste on each system, or, when
/// this server has no agent builds, how to add them (and the manual way meanwhile).
/// </summary>
public static class EnrollmentLines
{
    public static string Render(HttpContext ctx, string code)
    {
        var options = ctx.RequestServices.GetRequiredService<IOptions<ServerOptions>>().Value;
        var builds = ctx.RequestServices.GetRequiredService<AgentBuilds>().All();
        var server = DownloadEndpoints.PublicUrl(ctx, options);
        var fingerprint = options.PublicCertificateSha256;
        var sb = new StringBuilder();
        var unix = builds.Where(b => !b.Rid.StartsWith("win-", StringComparison.Ordinal)).Select(b => b.Rid).ToList();
        if (unix.Count > 0)
            sb.Append($"""
                <p>On Linux or macOS ({E(string.Join(", ", unix))}), paste in a terminal:</p>
                <pre class="install-line" id="install-sh">{E(InstallScripts.ShellLine(server, code, fingerprint))}</pre>
                """);
        if (builds.Any(b => b.Rid == "win-x64"))
            sb.Append($"""
                <p>On Windows, paste in PowerShell:</p>
                <pre class="install-line" id="install-ps1">{E(InstallScripts.PowerShellLine(server, code, fingerprint))}</pre>
                """);
        if (sb.Length > 0)
        {
            sb.Append("<p>It downloads the agent, checks its SHA-256, installs it for that user, enrolls it with this code and starts it at every login.</p>");
            if (builds.Count < AgentBuilds.Rids.Count)
                sb.Append($"""<p class="hint">No build here yet for {E(string.Join(", ", AgentBuilds.Rids.Except(builds.Select(b => b.Rid))))}: {AddBuilds(options)}</p>""");
        }
        else
        {
            sb.Append($"""<p class="hint" id="no-builds">This server has no agent builds to download yet. {AddBuilds(options)}</p>""");
        }
        sb.Append($"""<p>Or, where the agent is already installed: <code>presently-agent enroll --server {E(server)} --code {E(code)}</code></p>""");
        return sb.ToString();
    }

    private static string AddBuilds(ServerOptions options) =>
        $"""To add them, run <code>deploy/build-agents.sh</code> in a clone of Presently and copy its <code>agents/</code> folder to <code>{E(options.AgentBuildsPath)}</code> (or point <code>Presently:AgentBuildsDirectory</code> at it).""";
}
