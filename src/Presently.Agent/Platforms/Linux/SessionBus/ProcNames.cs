namespace Presently.Agent.Platforms.Linux.SessionBus;

/// <summary>A process's short name, <c>/proc/PID/comm</c>, as <c>ps</c> shows it.</summary>
internal static class ProcNames
{
    public static string? Comm(int? pid)
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
