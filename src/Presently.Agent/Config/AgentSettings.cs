namespace Presently.Agent.Config;

/// <summary>
/// The agent's settings, from (later wins) defaults, the config file
/// (<c>~/.config/presently/agent.json</c> or <c>--config</c>), <c>PRESENTLY_AGENT_*</c> environment
/// variables, and the command line. Documented in docs/agent.md.
/// </summary>
public sealed class AgentSettings
{
    /// <summary>Server address: http(s)://host:port or ws(s)://host:port/agent/v1.</summary>
    public string? Server { get; set; }

    /// <summary>The agent's credential, sent as a bearer token.</summary>
    public string? Token { get; set; }

    /// <summary>This computer's agent id; generated and kept in <see cref="StateDirectory"/> when not set.</summary>
    public string? AgentId { get; set; }

    /// <summary>No input for this long makes the user idle, counted from their last input.</summary>
    public TimeSpan IdleThreshold { get; set; } = TimeSpan.FromMinutes(3);

    /// <summary>How often the open span is saved and sent with a later end.</summary>
    public TimeSpan CheckpointInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Fallback poll of the foreground window, in case the window manager sends no events.</summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Longest wait between reconnection attempts.</summary>
    public TimeSpan MaxBackoff { get; set; } = TimeSpan.FromSeconds(30);

    public string StateDirectory { get; set; } = DefaultStateDirectory();

    public bool Verbose { get; set; }

    private static string DefaultStateDirectory()
    {
        var xdg = Environment.GetEnvironmentVariable("XDG_STATE_HOME");
        var root = string.IsNullOrEmpty(xdg)
            ? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".local", "state")
            : xdg;
        return Path.Combine(root, "presently");
    }
}
