namespace Presently.Agent.Platforms.Windows;

/// <summary>Where the agent keeps its files on Windows: the user's local (not roaming) application data.</summary>
public static class WindowsFolders
{
    /// <summary><c>%LOCALAPPDATA%\Presently</c>: the journal and credential belong to this computer, so they must not roam.</summary>
    public static string Root => Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.LocalApplicationData), "Presently");

    public static string ConfigFile => Path.Combine(Root, "agent.json");

    public static string StateDirectory => Path.Combine(Root, "state");
}
