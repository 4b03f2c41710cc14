namespace Presently.Agent.Platforms.MacOS;

/// <summary>
/// The name an app goes by on the board: what the Dock and the menu bar show (localizedName);
/// else the last part of its bundle identifier (com.apple.Safari → Safari); else its executable's
/// file name. Helpers without a name of their own are still told apart.
/// </summary>
public static class MacAppName
{
    public static string? Choose(string? localizedName, string? bundleIdentifier, string? executablePath)
    {
        if (!string.IsNullOrWhiteSpace(localizedName)) return localizedName.Trim();
        if (!string.IsNullOrWhiteSpace(bundleIdentifier))
        {
            var last = bundleIdentifier.Trim().TrimEnd('.');
            var dot = last.LastIndexOf('.');
            if (dot < last.Length - 1) return dot < 0 ? last : last[(dot + 1)..];
        }
        if (!string.IsNullOrWhiteSpace(executablePath))
        {
            var name = Path.GetFileName(executablePath.TrimEnd('/'));
            if (name.Length > 0) return name;
        }
        return null;
    }
}
