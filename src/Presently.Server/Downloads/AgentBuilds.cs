using System.Text.RegularExpressions;

namespace Presently.Server.Downloads;

/// <summary>One agent build this server can hand out: its file and the SHA-256 the build script recorded.</summary>
public sealed record AgentBuild(string Rid, string FileName, string Path, string Sha256, long Length);

/// <summary>
/// The agent builds in <c>Presently:AgentBuildsDirectory</c>, as deploy/build-agents.sh lays them out
/// (<c>&lt;rid&gt;/presently-agent[.exe]</c> plus <c>SHA256SUMS</c>). Only the RIDs below are ever
/// looked up, by fixed relative paths, so no request can name another file. A build without a sum in
/// SHA256SUMS is not offered: the install scripts refuse what they cannot check. The folder is read
/// at each request, so builds can be added or replaced without a restart.
/// </summary>
public sealed partial class AgentBuilds(string directory)
{
    public static readonly IReadOnlyList<string> Rids = ["linux-x64", "osx-arm64", "osx-x64", "win-x64"];

    public const string SumsFile = "SHA256SUMS";

    // More than enough for four lines; a bigger file is not ours.
    private const int MaxSumsBytes = 64 * 1024;

    public string Directory { get; } = directory;

    public static string FileNameFor(string rid) => rid.StartsWith("win-", StringComparison.Ordinal) ? "presently-agent.exe" : "presently-agent";

    public static bool IsKnown(string rid) => Rids.Contains(rid, StringComparer.Ordinal);

    public AgentBuild? Find(string rid)
    {
        if (!IsKnown(rid)) return null;
        var relative = $"{rid}/{FileNameFor(rid)}";
        var path = System.IO.Path.Combine(Directory, rid, FileNameFor(rid));
        var file = new FileInfo(path);
        if (!file.Exists || ReadSums().GetValueOrDefault(relative) is not { } sum) return null;
        return new AgentBuild(rid, FileNameFor(rid), file.FullName, sum, file.Length);
    }

    public IReadOnlyList<AgentBuild> All() => [.. Rids.Select(Find).OfType<AgentBuild>()];

    /// <summary>"&lt;sha256&gt;  &lt;rid&gt;/&lt;file&gt;" lines of the builds on offer, as `sha256sum -c` reads them.</summary>
    public string SumsText() => string.Concat(All().Select(b => $"{b.Sha256}  {b.Rid}/{b.FileName}\n"));

    private Dictionary<string, string> ReadSums()
    {
        var sums = new Dictionary<string, string>(StringComparer.Ordinal);
        var path = System.IO.Path.Combine(Directory, SumsFile);
        try
        {
            var info = new FileInfo(path);
            if (!info.Exists || info.Length > MaxSumsBytes) return sums;
            foreach (var line in File.ReadLines(path))
            {
                // sha256sum writes "<hex>  <name>" (or "<hex> *<name>" in binary mode).
                var m = SumLine().Match(line);
                if (m.Success) sums[m.Groups["name"].Value] = m.Groups["sum"].Value.ToLowerInvariant();
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // Unreadable sums: nothing is offered, which the download answer says.
        }
        return sums;
    }

    [GeneratedRegex(@"^(?<sum>[0-9a-fA-F]{64}) [ *](?:\./)?(?<name>[a-z0-9-]+/presently-agent(?:\.exe)?)\s*$")]
    private static partial Regex SumLine();
}
