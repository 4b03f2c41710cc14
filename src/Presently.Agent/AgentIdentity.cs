using Presently.Agent.Config;

namespace Presently.Agent;

/// <summary>This computer's agent id: configured, or generated once and kept in the state directory.</summary>
public static class AgentIdentity
{
    public static string Resolve(AgentSettings settings)
    {
        if (settings.AgentId is { } configured) return configured;
        var path = Path.Combine(settings.StateDirectory, "agent-id");
        try
        {
            if (File.Exists(path))
            {
                var stored = File.ReadAllText(path).Trim();
                if (Protocol.ProtocolConstants.IsValidAgentId(stored)) return stored;
                throw new ConfigException($"{path} does not hold a valid agent id; delete it to make a new one");
            }
            Directory.CreateDirectory(settings.StateDirectory);
            var id = Guid.NewGuid().ToString("N");
            File.WriteAllText(path, id + "\n");
            return id;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new ConfigException($"cannot keep the agent id in {settings.StateDirectory}: {ex.Message}");
        }
    }
}
