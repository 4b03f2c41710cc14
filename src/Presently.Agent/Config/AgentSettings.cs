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

    /// <summary>The agent's credential, sent as a bearer token. Normally `enroll` stores it in StateDirectory/credential.json.</summary>
    public string? Token { get; set; }

    /// <summary>SHA-256 fingerprint of the server's certificate (hex, colons allowed) for self-signed setups.</summary>
    public string? ServerCertificateSha256 { get; set; }

    /// <summary>A PEM file of CA certificates to trust for the server instead of the system store.</summary>
    public string? ServerCaFile { get; set; }

    /// <summary>Allow plain http:// / ws:// to a host that is not this computer. Off: credentials and titles never cross a network in clear.</summary>
    public bool AllowInsecure { get; set; }

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

    /// <summary>Upper bound of the journal on disk; when full, the oldest unsent records go first.</summary>
    public long JournalMaxBytes { get; set; } = Journal.JournalOptions.DefaultMaxBytes;

    /// <summary>A pause this long between two samples means the machine slept: that time is no span.</summary>
    public TimeSpan SleepGap { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Listen to logind (D-Bus) for sleep and screen lock. Off: rely on the sleep gap alone.</summary>
    public bool WatchSystemEvents { get; set; } = true;

    /// <summary>D-Bus address of the system bus; empty means the standard one.</summary>
    public string? SystemBusAddress { get; set; }

    public Privacy.PrivacySettings Privacy { get; set; } = new();

    /// <summary>What the agent looks for inside apps (tab, track, terminal program, project), and how long it may take.</summary>
    public Context.ContextSettings Context { get; set; } = new();

    public string StateDirectory { get; set; } = DefaultStateDirectory();

    public bool Verbose { get; set; }

    private static string DefaultStateDirectory()
    {
        if (OperatingSystem.IsWindows()) return Platforms.Windows.WindowsFolders.StateDirectory;
        if (OperatingSystem.IsMacOS()) return Platforms.MacOS.MacFolders.StateDirectory;
        var xdg = Environment.GetEnvironmentVariable("XDG_STATE_HOME");
        var root = string.IsNullOrEmpty(xdg)
            ? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".local", "state")
            : xdg;
        return Path.Combine(root, "presently");
    }
}
