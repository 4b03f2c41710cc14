using System.Diagnostics;
using System.Globalization;
using Presently.Agent.Sensors;
using Presently.Protocol;

namespace Presently.Agent.Context;

/// <summary>
/// Terminals: the program in front of the terminal's shell, from /proc — the shell's terminal names
/// its foreground process group (<c>tpgid</c>), whose leader is the program (<c>vim notes.md</c>,
/// <c>ssh build-1</c>). A shell at its prompt is nothing. When that program is tmux, tmux itself is
/// asked which pane its client shows, and the same is done for that pane. A terminal hosting several
/// shells (tabs) cannot say which tab is in front: the one whose program started last is taken.
/// Linux only (where /proc is).
/// </summary>
public sealed class TerminalEnricher(string procRoot = "/proc", string tmux = "tmux") : IContextEnricher
{
    private const int MaxCommandChars = 120;
    // A stat, children or cmdline file worth reading fits in 4 KB (only 120 characters of a command are
    // kept); an environment may be larger. Buffers come from the pool: this runs on every heartbeat
    // while a terminal is in front, and the agent's small first GC generation would collect often.
    private const int MaxProcFileBytes = 4 * 1024;
    private const int MaxEnvironBytes = 64 * 1024;

    private static readonly HashSet<string> Apps = new(StringComparer.Ordinal)
    {
        "xterm", "uxterm", "gnome-terminal", "gnome-terminal-server", "org.gnome.terminal", "org.gnome.console", "kgx", "konsole",
        "org.kde.konsole", "foot", "footclient", "alacritty", "kitty", "terminator", "tilix", "com.gexperts.tilix", "xfce4-terminal",
        "urxvt", "rxvt", "st", "st-256color", "wezterm", "wezterm-gui", "org.wezfurlong.wezterm", "lxterminal", "mate-terminal",
        "qterminal", "sakura", "terminology", "ghostty", "com.mitchellh.ghostty",
    };

    private static readonly HashSet<string> Shells = new(StringComparer.Ordinal)
    {
        "bash", "zsh", "fish", "sh", "dash", "ksh", "mksh", "tcsh", "csh", "nu", "pwsh", "xonsh", "elvish", "ion",
    };

    public string Name => "terminal";

    public bool ChangesWithoutWindowEvents => true;

    public string? Unavailable => Directory.Exists(procRoot) ? null : $"no {procRoot}";

    public bool Applies(ForegroundSample sample) => sample.Pid is > 0 && AppMatch.Any(sample, Apps);

    public void Enrich(ForegroundSample sample, ContextFacts facts, TimeSpan budget) =>
        facts.Set(ContextKeys.Command, ForegroundCommand(sample.Pid!.Value, budget));

    /// <summary>The command in front of the terminal process <paramref name="terminalPid"/>, or null (at a prompt, or unknown).</summary>
    public string? ForegroundCommand(int terminalPid, TimeSpan budget)
    {
        Process? best = null;
        foreach (var child in Children(terminalPid))
        {
            if (InFront(child) is { } front && (best is null || front.StartTicks > best.StartTicks)) best = front;
        }
        if (best is null) return null;
        if (best.Comm.StartsWith("tmux", StringComparison.Ordinal) && TmuxPane(best, budget) is { } panePid)
            return InFront(panePid) is { } inPane && !inPane.Comm.StartsWith("tmux", StringComparison.Ordinal) ? Command(inPane) : null;
        return Command(best);
    }

    /// <summary>What runs in front on <paramref name="pid"/>'s terminal: pid itself if it is no shell, else its foreground job; null at a prompt.</summary>
    private Process? InFront(int pid, int depth = 0)
    {
        if (depth > 8 || Stat(pid) is not { } p) return null;
        if (!Shells.Contains(p.Comm)) return p;
        if (p.ForegroundGroup > 0 && p.ForegroundGroup != p.Group) return Stat(p.ForegroundGroup) is { } job ? InFront(job.Pid, depth + 1) ?? job : null;
        // The shell's own group is in front: an interactive shell waits at its prompt, but a shell
        // without job control (`sh -c "vim x"`, as tmux starts a pane's command) runs its program in
        // its own group, as a child.
        foreach (var child in Children(pid))
            if (Stat(child) is { } c && c.Group == p.Group) return InFront(child, depth + 1);
        return null;
    }

    private string? Command(Process p)
    {
        var argv = ReadArgv(p.Pid);
        if (argv.Count == 0) return p.Comm;
        argv[0] = Path.GetFileName(argv[0]);
        var command = string.Join(' ', argv);
        return command.Length <= MaxCommandChars ? command : command[..(MaxCommandChars - 1)] + "…";
    }

    /// <summary>Asks tmux which pane the client <paramref name="client"/> shows; returns that pane's process.</summary>
    private int? TmuxPane(Process client, TimeSpan budget)
    {
        var tty = ReadLink($"{procRoot}/{client.Pid}/fd/0");
        if (tty is null) return null;
        var args = new List<string>();
        // The client names its server's socket on its command line when it is not the default one.
        var argv = ReadArgv(client.Pid);
        for (var i = 1; i + 1 < argv.Count; i++)
        {
            if (argv[i] is "-S" or "-L")
            {
                args.Add(argv[i]);
                args.Add(argv[i + 1]);
                break;
            }
        }
        args.AddRange(["list-clients", "-F", "#{client_tty}\t#{pane_pid}"]);
        var output = Run(tmux, args, EnvironmentOf(client.Pid, "TMUX_TMPDIR"), budget);
        foreach (var line in (output ?? "").Split('\n'))
        {
            var parts = line.Split('\t');
            if (parts.Length == 2 && parts[0] == tty && int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var pane))
                return pane;
        }
        return null;
    }

    private static string? Run(string program, List<string> args, string? tmuxTmpDir, TimeSpan budget)
    {
        var start = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args) start.ArgumentList.Add(a);
        if (tmuxTmpDir is not null) start.Environment["TMUX_TMPDIR"] = tmuxTmpDir;
        try
        {
            using var process = System.Diagnostics.Process.Start(start);
            if (process is null) return null;
            using var deadline = new CancellationTokenSource(budget);
            var output = process.StandardOutput.ReadToEndAsync(deadline.Token);
            try
            {
                process.WaitForExitAsync(deadline.Token).GetAwaiter().GetResult();
                return output.GetAwaiter().GetResult();
            }
            catch (OperationCanceledException)
            {
                process.Kill();
                return null;
            }
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return null; // no tmux here
        }
    }

    private IEnumerable<int> Children(int pid)
    {
        var found = new List<int>();
        try
        {
            foreach (var task in Directory.EnumerateDirectories($"{procRoot}/{pid}/task"))
                foreach (var word in (ReadSmall(Path.Combine(task, "children")) ?? "").Split(' ', StringSplitOptions.RemoveEmptyEntries))
                    if (int.TryParse(word, NumberStyles.None, CultureInfo.InvariantCulture, out var child)) found.Add(child);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // The terminal exited while we looked.
        }
        return found;
    }

    private Process? Stat(int pid)
    {
        var stat = ReadSmall($"{procRoot}/{pid}/stat");
        if (stat is null) return null;
        // "pid (comm) state ppid pgrp session tty_nr tpgid …": comm may hold spaces and parentheses.
        var open = stat.IndexOf('(', StringComparison.Ordinal);
        var close = stat.LastIndexOf(')');
        if (open < 0 || close < open) return null;
        var fields = stat[(close + 1)..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (fields.Length < 20) return null;
        return int.TryParse(fields[2], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var group)
            && int.TryParse(fields[5], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var foreground)
            && long.TryParse(fields[19], NumberStyles.None, CultureInfo.InvariantCulture, out var started)
            ? new Process(pid, stat[(open + 1)..close], group, foreground, started)
            : null;
    }

    private List<string> ReadArgv(int pid) =>
        [.. (ReadSmall($"{procRoot}/{pid}/cmdline") ?? "").Split('\0', StringSplitOptions.RemoveEmptyEntries)];

    private string? EnvironmentOf(int pid, string name)
    {
        foreach (var entry in (ReadSmall($"{procRoot}/{pid}/environ", MaxEnvironBytes) ?? "").Split('\0'))
            if (entry.StartsWith(name + "=", StringComparison.Ordinal)) return entry[(name.Length + 1)..];
        return null;
    }

    /// <summary>The start of a /proc file, at most <paramref name="max"/> bytes; null when it vanished or may not be read (the process ended, or is not ours).</summary>
    private static string? ReadSmall(string path, int max = MaxProcFileBytes)
    {
        var buffer = System.Buffers.ArrayPool<byte>.Shared.Rent(max);
        try
        {
            using var file = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
            var total = 0;
            int read;
            while (total < max && (read = RandomAccess.Read(file, buffer.AsSpan(total, max - total), total)) > 0) total += read;
            return System.Text.Encoding.UTF8.GetString(buffer, 0, total);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return null;
        }
        finally
        {
            System.Buffers.ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private static string? ReadLink(string path)
    {
        try
        {
            return new FileInfo(path).LinkTarget;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    private sealed record Process(int Pid, string Comm, int Group, int ForegroundGroup, long StartTicks);
}
