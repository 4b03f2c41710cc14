using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Presently.Agent.Control;

/// <summary>
/// What a running agent says about itself, written to <c>status.json</c> in the state directory
/// when what it says changes and at least every 10 seconds; `presently-agent status` reads it.
/// </summary>
public sealed record AgentStatus
{
    public int Pid { get; init; }
    public DateTimeOffset UpdatedAt { get; init; }
    public string AgentId { get; init; } = "";
    public string Version { get; init; } = "";
    public string Server { get; init; } = "";
    public string Connection { get; init; } = "";
    public string? LastError { get; init; }
    public long LastAckedSeq { get; init; }
    public long JournalBytes { get; init; }
    public long JournalDroppedRecords { get; init; }
    public DateTimeOffset? OldestUnsent { get; init; }
    public string Sensor { get; init; } = "";
    /// <summary>"titles: yes", "lock: no — why", … for titles, idle, lock and sleep.</summary>
    public string[] Capabilities { get; init; } = [];
    public string[] Enrichers { get; init; } = [];
    public bool Paused { get; init; }
    public DateTimeOffset? PausedUntil { get; init; }
    public long ClockOffsetMs { get; init; }

    public static string PathIn(string stateDirectory) => System.IO.Path.Combine(stateDirectory, "status.json");

    public void Write(string stateDirectory)
    {
        var path = PathIn(stateDirectory);
        var temp = path + ".tmp";
        File.WriteAllText(temp, ToJson());
        File.Move(temp, path, overwrite: true);
    }

    public string ToJson() => JsonSerializer.Serialize(this, AgentStatusJson.Default.AgentStatus);

    public static AgentStatus? Read(string stateDirectory)
    {
        var path = PathIn(stateDirectory);
        try
        {
            if (!File.Exists(path) || new FileInfo(path).Length > 64 * 1024) return null;
            return JsonSerializer.Deserialize(File.ReadAllText(path), AgentStatusJson.Default.AgentStatus);
        }
        catch (Exception ex) when (ex is IOException or JsonException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>Running means the process exists and wrote its status recently.</summary>
    public bool IsRunning(DateTimeOffset now) => now - UpdatedAt < TimeSpan.FromSeconds(30) && ProcessExists(Pid);

    private static bool ProcessExists(int pid)
    {
        if (pid <= 0) return false;
        try
        {
            using var process = System.Diagnostics.Process.GetProcessById(pid);
            return !process.HasExited;
        }
        catch (Exception ex) when (ex is ArgumentException or InvalidOperationException or System.ComponentModel.Win32Exception)
        {
            return false; // no such process, or not ours to look at
        }
    }

    public string Describe(DateTimeOffset now)
    {
        var sb = new StringBuilder();
        var running = IsRunning(now);
        sb.AppendLine(CultureInfo.InvariantCulture, $"agent:        {AgentId} v{Version} ({(running ? $"running, pid {Pid}" : $"not running; last seen {UpdatedAt:u}")})");
        sb.AppendLine(CultureInfo.InvariantCulture, $"server:       {Server}");
        sb.AppendLine(CultureInfo.InvariantCulture, $"connection:   {(running ? Connection : "none")}{(LastError is null ? "" : $" (last error: {LastError})")}");
        sb.AppendLine(CultureInfo.InvariantCulture, $"last acked:   seq {LastAckedSeq}");
        var age = OldestUnsent is { } o ? $"oldest unsent span from {o:u}, {Ago(now - o)} ago" : "nothing unsent";
        sb.AppendLine(CultureInfo.InvariantCulture, $"journal:      {JournalBytes / 1024.0:0.#} KiB; {age}");
        if (JournalDroppedRecords > 0)
            sb.AppendLine(CultureInfo.InvariantCulture, $"journal FULL: {JournalDroppedRecords} oldest unsent records were dropped to stay within the size limit");
        sb.AppendLine(CultureInfo.InvariantCulture, $"sensor:       {Sensor}");
        foreach (var c in Capabilities) sb.AppendLine(CultureInfo.InvariantCulture, $"  {c}");
        sb.AppendLine(CultureInfo.InvariantCulture, $"enrichers:    {(Enrichers.Length == 0 ? "none" : string.Join(", ", Enrichers))}");
        sb.Append(CultureInfo.InvariantCulture, $"tracking:     {(Paused ? PausedUntil is { } u ? $"paused until {u.ToLocalTime():yyyy-MM-dd HH:mm}" : "paused until resumed" : "on")}");
        return sb.ToString();
    }

    private static string Ago(TimeSpan t) =>
        t.TotalHours >= 1 ? $"{(int)t.TotalHours} h {t.Minutes} m" : t.TotalMinutes >= 1 ? $"{t.Minutes} m" : $"{Math.Max(0, t.Seconds)} s";
}

/// <summary>status.json's shape, generated at build time (the agent is compiled ahead of time).</summary>
[JsonSourceGenerationOptions(WriteIndented = true, PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(AgentStatus))]
internal sealed partial class AgentStatusJson : JsonSerializerContext;
