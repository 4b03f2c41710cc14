namespace Presently.Agent.Platforms.MacOS;

/// <summary>Where the agent keeps its files on macOS: the user's Application Support folder, as Mac apps do.</summary>
public static class MacFolders
{
    /// <summary><c>~/Library/Application Support/Presently</c>.</summary>
    public static string Root => Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), "Library", "Application Support", "Presently");

    public static string ConfigFile => Path.Combine(Root, "agent.json");

    public static string StateDirectory => Path.Combine(Root, "state");
}
