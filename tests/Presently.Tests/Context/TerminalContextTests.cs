using Presently.Agent.Context;
using Presently.Protocol;
using Presently.Storage;
using Presently.Tests.Fixtures;

namespace Presently.Tests.Context;

/// <summary>
/// The terminal enricher for real: an xterm running bash, then `sleep 1000` in it, then tmux with two
/// panes — the agent's spans name each program, from /proc and from tmux itself.
/// </summary>
[Collection(TimingSensitive.Name)]
public sealed class TerminalContextTests : IAsyncLifetime
{
    private const string TmuxSocket = "presently-test";
    private readonly TempDirectory _home = new();
    private X11Desktop _desktop = null!;
    private ServerHost _server = null!;

    public async ValueTask InitializeAsync()
    {
        Requirements.Program("tmux", "tmux");
        _desktop = await X11Desktop.StartAsync();
        _server = await ServerHost.StartAsync();
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await ChildProcess.RunAsync("tmux", ["-L", TmuxSocket, "kill-server"], timeout: TimeSpan.FromSeconds(5));
        }
        catch (InvalidOperationException)
        {
            // no server left to kill
        }
        await _server.DisposeAsync();
        await _desktop.DisposeAsync();
        _home.Dispose();
    }

    [Fact]
    public async Task The_context_names_the_program_in_front_in_the_shell_and_in_the_active_tmux_pane()
    {
        var shell = await _desktop.OpenTerminalAsync("ShellTerm", "Shell terminal", ["bash", "--norc", "--noprofile"]);
        await _desktop.ActivateAsync(shell);
        const string id = "terminal-agent";
        using var agent = AgentProcess.Start(["run", "--server", _server.BaseUri.ToString(), "--verbose"], _home.Path, new Dictionary<string, string?>
        {
            ["DISPLAY"] = _desktop.Display,
            ["PRESENTLY_AGENT_TOKEN"] = ServerHost.Token,
            ["PRESENTLY_AGENT_AGENTID"] = id,
            ["PRESENTLY_AGENT_WATCHSYSTEMEVENTS"] = "false",
            ["PRESENTLY_AGENT_CHECKPOINTINTERVAL"] = "00:00:01",
            ["PRESENTLY_AGENT_CONTEXT__REFRESHINTERVAL"] = "00:00:00.5",
        });

        async Task<StoredSpan> SpanWithCommandAsync(string? command) =>
            (await Eventually.Until(() => _server.Store.GetSpansAsync(id),
                spans => spans.Count > 0 && spans[^1].App == "ShellTerm" && spans[^1].Context?[ContextKeys.Command] == command,
                TimeSpan.FromSeconds(20), $"a span of ShellTerm with command '{command}'\nagent output:\n{agent.Output}"))[^1];

        // At the prompt: no command.
        await SpanWithCommandAsync(null);
        await _desktop.TypeAsync("sleep 1000\n");
        await SpanWithCommandAsync("sleep 1000");

        await _desktop.KeyAsync("ctrl+c");
        await SpanWithCommandAsync(null);
        await _desktop.TypeAsync($"tmux -L {TmuxSocket} new-session 'sleep 2000' \\; split-window 'sleep 3000'\n");
        // The new pane is the active one.
        await SpanWithCommandAsync("sleep 3000");
        await ChildProcess.RunAsync("tmux", ["-L", TmuxSocket, "select-pane", "-t", ":.0"], timeout: TimeSpan.FromSeconds(5));
        var back = await SpanWithCommandAsync("sleep 2000");

        // Each program was its own span: the spans before name the others.
        var commands = (await _server.Store.GetSpansAsync(id)).Select(s => s.Context?[ContextKeys.Command]).ToList();
        Assert.True(commands.IndexOf("sleep 1000") < commands.IndexOf("sleep 3000") && commands.IndexOf("sleep 3000") < commands.IndexOf("sleep 2000"), string.Join(", ", commands));
        Assert.Equal("Shell terminal", back.Title);
        Assert.Equal(0, await agent.StopAsync(TimeSpan.FromSeconds(10)));
    }

    [Fact]
    public void A_process_that_vanishes_mid_read_is_unknown_not_an_error()
    {
        // A fake /proc: the terminal (1) has a shell (2) whose foreground group (3) is gone.
        using var proc = new TempDirectory();
        void Process(int pid, string comm, int group, int foreground, params int[] children)
        {
            Directory.CreateDirectory(Path.Combine(proc.Path, $"{pid}", "task", $"{pid}"));
            File.WriteAllText(Path.Combine(proc.Path, $"{pid}", "stat"), $"{pid} ({comm}) S 1 {group} {group} 34816 {foreground} 0 0 0 0 0 0 0 0 20 0 1 0 {pid}00 0 0");
            File.WriteAllText(Path.Combine(proc.Path, $"{pid}", "task", $"{pid}", "children"), string.Join(' ', children));
            File.WriteAllText(Path.Combine(proc.Path, $"{pid}", "cmdline"), comm + "\0");
        }
        Process(1, "xterm", 1, 0, 2);
        Process(2, "bash", 2, 3);
        var enricher = new TerminalEnricher(proc.Path, tmux: "/nonexistent/tmux");
        Assert.Null(enricher.ForegroundCommand(1, TimeSpan.FromSeconds(1)));
        Process(3, "vim", 3, 3);
        File.WriteAllText(Path.Combine(proc.Path, "3", "cmdline"), "/usr/bin/vim\0notes.md\0");
        Assert.Equal("vim notes.md", enricher.ForegroundCommand(1, TimeSpan.FromSeconds(1)));
        // Garbage in stat, and a terminal that is gone entirely.
        File.WriteAllText(Path.Combine(proc.Path, "2", "stat"), "2 (bash");
        Assert.Null(enricher.ForegroundCommand(1, TimeSpan.FromSeconds(1)));
        Assert.Null(enricher.ForegroundCommand(99, TimeSpan.FromSeconds(1)));
        // tmux in front but no tmux to ask: the client's own command line is all that is known.
        Process(2, "bash", 2, 4);
        Process(4, "tmux: client", 4, 4);
        File.WriteAllText(Path.Combine(proc.Path, "4", "cmdline"), "tmux\0attach\0");
        Assert.Equal("tmux attach", enricher.ForegroundCommand(1, TimeSpan.FromSeconds(1)));
    }
}
