using System.Security.Cryptography;
using Presently.Server.Downloads;

namespace Presently.Tests.Fixtures;

/// <summary>A folder of agent builds laid out as deploy/build-agents.sh writes it, for a test server to hand out.</summary>
public static class AgentBuildsFolder
{
    /// <summary>Writes each build at its relative path (e.g. linux-x64/presently-agent) and SHA256SUMS for all of them.</summary>
    public static async Task WriteAsync(string directory, params (string Path, byte[] Bytes)[] builds)
    {
        var sums = new System.Text.StringBuilder();
        foreach (var (path, bytes) in builds)
        {
            var full = Path.Combine(directory, path);
            Directory.CreateDirectory(Path.GetDirectoryName(full)!);
            await File.WriteAllBytesAsync(full, bytes);
            sums.Append(Convert.ToHexStringLower(SHA256.HashData(bytes))).Append("  ").Append(path).Append('\n');
        }
        await File.WriteAllTextAsync(Path.Combine(directory, AgentBuilds.SumsFile), sums.ToString());
    }
}
