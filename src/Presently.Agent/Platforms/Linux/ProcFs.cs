namespace Presently.Agent.Platforms.Linux;

/// <summary>What /proc says about a process.</summary>
internal static class ProcFs
{
    /// <summary>The process's command name (<c>/proc/PID/comm</c>), or null when it is gone or hidden.</summary>
    public static string? ProcessName(int? pid)
    {
        if (pid is not > 0) return null;
        try
        {
            var comm = File.ReadAllText($"/proc/{pid}/comm").Trim();
            return comm.Length == 0 ? null : comm;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }
}
