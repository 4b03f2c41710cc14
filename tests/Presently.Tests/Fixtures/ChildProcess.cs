using System.Diagnostics;
using System.Text;

namespace Presently.Tests.Fixtures;

/// <summary>A program started by a test, with its output kept for failure messages, and killed on dispose.</summary>
public sealed class ChildProcess : IDisposable
{
    private readonly StringBuilder _output = new();

    public ChildProcess(string program, IEnumerable<string> args, IDictionary<string, string?>? env = null, bool readStdoutYourself = false,
        string? workingDirectory = null)
    {
        var info = new ProcessStartInfo(program)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? "",
        };
        foreach (var a in args) info.ArgumentList.Add(a);
        if (env is not null)
            foreach (var (k, v) in env)
                if (v is null) info.Environment.Remove(k); else info.Environment[k] = v;
        Process = Process.Start(info) ?? throw new InvalidOperationException($"could not start {program}");
        Process.ErrorDataReceived += (_, e) => Append(e.Data);
        Process.BeginErrorReadLine();
        if (!readStdoutYourself)
        {
            Process.OutputDataReceived += (_, e) => Append(e.Data);
            Process.BeginOutputReadLine();
        }
    }

    public Process Process { get; }

    public string Output
    {
        get { lock (_output) return _output.ToString(); }
    }

    public bool HasExited => Process.HasExited;

    /// <summary>Asks the process to stop (SIGTERM) and waits for it.</summary>
    public async Task<int> StopAsync(TimeSpan timeout)
    {
        if (!Process.HasExited)
        {
            Process.Start("kill", ["-TERM", Process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)])?.WaitForExit();
            using var cts = new CancellationTokenSource(timeout);
            try
            {
                await Process.WaitForExitAsync(cts.Token);
            }
            catch (OperationCanceledException)
            {
                Process.Kill(entireProcessTree: true);
                await Process.WaitForExitAsync();
            }
        }
        return Process.ExitCode;
    }

    public void Dispose()
    {
        try
        {
            if (!Process.HasExited)
            {
                Process.Kill(entireProcessTree: true);
                Process.WaitForExit(5000);
            }
        }
        catch (InvalidOperationException)
        {
        }
        Process.Dispose();
    }

    private void Append(string? line)
    {
        if (line is null) return;
        lock (_output) _output.AppendLine(line);
    }

    /// <summary>Runs a short command to completion and returns its trimmed stdout; throws with its stderr if it fails.</summary>
    public static async Task<string> RunAsync(string program, IEnumerable<string> args, IDictionary<string, string?>? env = null, TimeSpan? timeout = null,
        string? workingDirectory = null)
    {
        using var p = new ChildProcess(program, args, env, readStdoutYourself: true, workingDirectory);
        var stdout = p.Process.StandardOutput.ReadToEndAsync();
        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(20));
        await p.Process.WaitForExitAsync(cts.Token);
        var text = (await stdout).Trim();
        if (p.Process.ExitCode != 0)
            throw new InvalidOperationException($"{program} {string.Join(' ', args)} exited with {p.Process.ExitCode}: {p.Output}");
        return text;
    }
}
