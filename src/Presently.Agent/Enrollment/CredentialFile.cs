using System.Text.Json;
using Presently.Agent.Config;

namespace Presently.Agent.Enrollment;

/// <summary>
/// The agent's own credential, written by `enroll` to StateDirectory/credential.json with mode
/// 0600: only this user can read it. The server keeps only a hash of the secret.
/// </summary>
public sealed record CredentialFile(string AgentId, string Token, string Server, string Person)
{
    public static string PathIn(string stateDirectory) => Path.Combine(stateDirectory, "credential.json");

    public void Write(string stateDirectory)
    {
        Directory.CreateDirectory(stateDirectory);
        var path = PathIn(stateDirectory);
        var temp = path + ".tmp";
        File.Delete(temp);
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows()) options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        using (var stream = new FileStream(temp, options))
            JsonSerializer.Serialize(stream, this, Json.CredentialJson.Default.CredentialFile);
        File.Move(temp, path, overwrite: true);
    }

    public static CredentialFile? Read(string stateDirectory)
    {
        var path = PathIn(stateDirectory);
        if (!File.Exists(path)) return null;
        try
        {
            if (new FileInfo(path).Length > 16 * 1024) throw new ConfigException($"{path} is too large to be a credential");
            return JsonSerializer.Deserialize(File.ReadAllText(path), Json.CredentialJson.Default.CredentialFile) is { AgentId.Length: > 0, Token.Length: > 0 } c ? c
                : throw new ConfigException($"{path} is not a credential; enroll again");
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or JsonException)
        {
            throw new ConfigException($"cannot read {path}: {ex.Message}");
        }
    }

    /// <summary>Fills in server, token and agent id from the credential file where settings leave them out.</summary>
    public static void Apply(AgentSettings settings)
    {
        if (settings.Token is not null) return;
        if (Read(settings.StateDirectory) is not { } credential) return;
        settings.Token = credential.Token;
        settings.AgentId ??= credential.AgentId;
        settings.Server ??= credential.Server;
    }
}
