using System.ComponentModel.DataAnnotations;

namespace Presently.Server.Options;

/// <summary>Settings under <c>Presently</c> in appsettings.json, environment (PRESENTLY__…) or the command line.</summary>
public sealed class ServerOptions
{
    public const string Section = "Presently";

    /// <summary>Where the SQLite file lives; created on first run.</summary>
    [Required]
    public string DataDirectory { get; set; } = DefaultDataDirectory();

    /// <summary>
    /// The development agent credential. Until enrollment exists, agents present this bearer token.
    /// Empty means no agent is let in.
    /// </summary>
    [MaxLength(512)]
    public string? DevelopmentAgentToken { get; set; }

    /// <summary>The person that agents using the development credential belong to.</summary>
    [Required, MaxLength(128)]
    public string DevelopmentPerson { get; set; } = Environment.UserName;

    /// <summary>How often the agent checkpoints an open span (sent in Welcome).</summary>
    [Range(1000, 300_000)]
    public int CheckpointIntervalMs { get; set; } = 5000;

    /// <summary>How long a new agent connection may take to say Hello.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "00:10:00")]
    public TimeSpan HelloTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// An agent whose clock (from Hello) is further off than this has its span times shifted by the
    /// measured offset, whole seconds, before they are validated and stored.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00")]
    public TimeSpan ClockSkewThreshold { get; set; } = TimeSpan.FromSeconds(5);

    public string DatabasePath => Path.Combine(DataDirectory, "presently.db");

    private static string DefaultDataDirectory()
    {
        var xdg = Environment.GetEnvironmentVariable("XDG_DATA_HOME");
        var root = string.IsNullOrEmpty(xdg)
            ? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".local", "share")
            : xdg;
        return Path.Combine(root, "presently");
    }
}
