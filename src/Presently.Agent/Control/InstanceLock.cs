namespace Presently.Agent.Control;

/// <summary>
/// One agent per state directory. Two agents appending to one journal would send every span twice
/// and race on the acked file, so `run` holds an exclusive lock on <c>agent.lock</c> for its whole
/// life (flock on Linux and macOS, a share mode on Windows). The operating system drops the lock
/// when the process dies, however it dies, so a crash never leaves a stale lock behind.
/// </summary>
public sealed class InstanceLock : IDisposable
{
    private readonly FileStream _file;

    private InstanceLock(FileStream file) => _file = file;

    /// <exception cref="AgentAlreadyRunningException">another process holds the lock.</exception>
    public static InstanceLock Acquire(string stateDirectory)
    {
        Directory.CreateDirectory(stateDirectory);
        var path = Path.Combine(stateDirectory, "agent.lock");
        try
        {
            return new InstanceLock(new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None));
        }
        catch (IOException)
        {
            // The holder's pid is in its status (the lock file itself cannot be read while locked).
            var pid = AgentStatus.Read(stateDirectory) is { Pid: > 0 } status ? $"pid {status.Pid}" : "pid unknown";
            throw new AgentAlreadyRunningException($"another agent is running with state directory {stateDirectory} ({pid}); stop it first, or give this one its own StateDirectory");
        }
    }

    public void Dispose() => _file.Dispose();
}

public sealed class AgentAlreadyRunningException(string message) : Exception(message);
