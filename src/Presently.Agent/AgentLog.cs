namespace Presently.Agent;

/// <summary>One line per event on stderr, with a UTC timestamp; journald and terminals both read it well.</summary>
public sealed class AgentLog(TextWriter output, bool verbose = false)
{
    private readonly Lock _lock = new();

    public void Debug(string message)
    {
        if (verbose) Write("debug", message);
    }

    public void Info(string message) => Write("info", message);

    public void Warn(string message) => Write("warn", message);

    public void Error(string message) => Write("error", message);

    private void Write(string level, string message)
    {
        lock (_lock) output.WriteLine($"{DateTime.UtcNow:yyyy-MM-ddTHH:mm:ss.fffZ} {level} {message}");
    }
}
