using Microsoft.Extensions.Configuration;
using Presently.Protocol;

namespace Presently.Agent.Config;

/// <summary>A setting is missing or wrong; the message is one line that says which and why.</summary>
public sealed class ConfigException(string message) : Exception(message);

public static class AgentSettingsLoader
{
    public const long MaxConfigBytes = 1024 * 1024;
    public const string EnvironmentPrefix = "PRESENTLY_AGENT_";

    public static string DefaultConfigPath()
    {
        if (OperatingSystem.IsWindows()) return Platforms.Windows.WindowsFolders.ConfigFile;
        if (OperatingSystem.IsMacOS()) return Platforms.MacOS.MacFolders.ConfigFile;
        var xdg = Environment.GetEnvironmentVariable("XDG_CONFIG_HOME");
        var root = string.IsNullOrEmpty(xdg)
            ? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".config")
            : xdg;
        return Path.Combine(root, "presently", "agent.json");
    }

    /// <summary>
    /// Loads settings. <paramref name="configPath"/> must exist when given; the default file may be absent.
    /// </summary>
    public static AgentSettings Load(string? configPath, IReadOnlyDictionary<string, string?> overrides)
    {
        var explicitFile = configPath is not null;
        var path = configPath ?? DefaultConfigPath();
        var builder = new ConfigurationBuilder();
        if (File.Exists(path))
        {
            long length;
            try
            {
                length = new FileInfo(path).Length;
                using var probe = File.OpenRead(path);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                throw new ConfigException($"cannot read config file {path}: {ex.Message}");
            }
            if (length > MaxConfigBytes) throw new ConfigException($"config file {path} is {length} bytes; the limit is {MaxConfigBytes}");
            builder.AddJsonFile(path, optional: false, reloadOnChange: false);
        }
        else if (explicitFile)
        {
            throw new ConfigException($"config file {path} does not exist");
        }
        builder.AddEnvironmentVariables(EnvironmentPrefix);
        builder.AddInMemoryCollection(overrides.Where(kv => kv.Value is not null));

        var settings = new AgentSettings();
        try
        {
            builder.Build().Bind(settings, o => o.ErrorOnUnknownConfiguration = true);
        }
        catch (Exception ex) when (ex is FormatException or InvalidDataException or InvalidOperationException or IOException)
        {
            throw new ConfigException($"bad configuration ({path}): {OneLine(ex)}");
        }
        Validate(settings);
        return settings;
    }

    /// <summary>ws(s)://host/agent/v1 from whatever form of the server address was given.</summary>
    public static Uri AgentEndpoint(string server)
    {
        if (!Uri.TryCreate(server, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https" or "ws" or "wss"))
            throw new ConfigException($"server '{server}' is not an http(s):// or ws(s):// address");
        var scheme = uri.Scheme is "https" or "wss" ? "wss" : "ws";
        var path = uri.AbsolutePath.TrimEnd('/');
        if (!path.EndsWith(ProtocolConstants.Path, StringComparison.Ordinal)) path += ProtocolConstants.Path;
        return new UriBuilder(uri) { Scheme = scheme, Path = path, Port = uri.IsDefaultPort ? -1 : uri.Port }.Uri;
    }

    private static void Validate(AgentSettings s)
    {
        if (s.IdleThreshold < TimeSpan.FromSeconds(5) || s.IdleThreshold > TimeSpan.FromDays(1))
            throw new ConfigException($"IdleThreshold {s.IdleThreshold} must be between 5 seconds and 1 day");
        if (s.CheckpointInterval < TimeSpan.FromMilliseconds(100) || s.CheckpointInterval > TimeSpan.FromMinutes(10))
            throw new ConfigException($"CheckpointInterval {s.CheckpointInterval} must be between 100 ms and 10 minutes");
        if (s.PollInterval < TimeSpan.FromMilliseconds(10) || s.PollInterval > TimeSpan.FromMinutes(1))
            throw new ConfigException($"PollInterval {s.PollInterval} must be between 10 ms and 1 minute");
        if (s.MaxBackoff < TimeSpan.FromSeconds(1) || s.MaxBackoff > TimeSpan.FromHours(1))
            throw new ConfigException($"MaxBackoff {s.MaxBackoff} must be between 1 second and 1 hour");
        if (s.JournalMaxBytes < 1024 * 1024 || s.JournalMaxBytes > 100L * 1024 * 1024 * 1024)
            throw new ConfigException($"JournalMaxBytes {s.JournalMaxBytes} must be between 1 MiB and 100 GiB");
        if (s.SleepGap < TimeSpan.FromSeconds(2) || s.SleepGap > TimeSpan.FromHours(1) || s.SleepGap <= s.PollInterval)
            throw new ConfigException($"SleepGap {s.SleepGap} must be between 2 seconds and 1 hour, and longer than PollInterval");
        if (s.Privacy.ExcludeApps.Count > 1000 || s.Privacy.RedactTitles.Count > 1000 || s.Privacy.NeverIntrospect.Count > 1000
            || s.Privacy.RedactContext.Count > 1000 || s.Privacy.DropContext.Count > 100)
            throw new ConfigException("at most 1000 entries each in ExcludeApps, NeverIntrospect, RedactTitles and RedactContext, and 100 in DropContext");
        if (s.Context.Budget < TimeSpan.FromMilliseconds(10) || s.Context.Budget > TimeSpan.FromSeconds(5))
            throw new ConfigException($"Context.Budget {s.Context.Budget} must be between 10 ms and 5 seconds");
        if (s.Context.RefreshInterval < TimeSpan.FromMilliseconds(200) || s.Context.RefreshInterval > TimeSpan.FromMinutes(10))
            throw new ConfigException($"Context.RefreshInterval {s.Context.RefreshInterval} must be between 200 ms and 10 minutes");
        _ = new Privacy.PrivacyFilter(s.Privacy); // compiles every rule, or says which one is wrong
        if (s.AgentId is not null && !ProtocolConstants.IsValidAgentId(s.AgentId))
            throw new ConfigException("AgentId must be 1-128 characters of A-Z a-z 0-9 _ -");
        if (s.Token is { Length: > 512 }) throw new ConfigException("Token is longer than 512 characters");
        if (s.Server is not null) AgentEndpoint(s.Server);
    }

    private static string OneLine(Exception ex) =>
        (ex.InnerException is { } inner ? $"{ex.Message} {inner.Message}" : ex.Message).ReplaceLineEndings(" ");
}
