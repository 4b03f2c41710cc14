namespace Presently.Agent.Context;

/// <summary>Which enrichers run, and how much time they get. See docs/agent.md, "Context".</summary>
public sealed class ContextSettings
{
    /// <summary>Browsers: the tab title, and the site when the title tells it.</summary>
    public bool Browser { get; set; } = true;

    /// <summary>VS Code and JetBrains IDEs: project and file from the window title.</summary>
    public bool Editor { get; set; } = true;

    /// <summary>Terminals: the program in front of the terminal's shell (from /proc), and inside tmux the active pane's.</summary>
    public bool Terminal { get; set; } = true;

    /// <summary>Media players over MPRIS (D-Bus): track, artist, player, playing or paused.</summary>
    public bool Media { get; set; } = true;

    /// <summary>Media playing counts as present: no input while a video or call plays is not idle.</summary>
    public bool MediaCountsAsPresent { get; set; } = true;

    /// <summary>How often context that changes without a window event (a terminal's program) is looked at again while such an app is in front; each look wakes the agent, so not too often.</summary>
    public TimeSpan RefreshInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>The time each enricher has per sample; one that overruns it three times in a row is switched off (status says so).</summary>
    public TimeSpan Budget { get; set; } = TimeSpan.FromMilliseconds(250);

    /// <summary>D-Bus address of the session bus for MPRIS; empty means DBUS_SESSION_BUS_ADDRESS.</summary>
    public string? SessionBusAddress { get; set; }
}
