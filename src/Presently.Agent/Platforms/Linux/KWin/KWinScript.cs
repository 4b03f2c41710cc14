using System.Reflection;

namespace Presently.Agent.Platforms.Linux.KWin;

/// <summary>
/// The KWin script the sensor loads (presently-kwin.js, embedded), and where it is written:
/// a directory only this user can read, as KWin reads the file by path.
/// </summary>
public static class KWinScript
{
    public const string PluginName = "presently-agent";
    public const string CallbackPath = "/org/presently/Agent/KWin";
    public const string CallbackInterface = "org.presently.Agent.KWin";
    public const string CallbackMethod = "ActiveWindow";

    /// <summary>The script text with the agent's bus name filled in.</summary>
    public static string Render(string busName)
    {
        // Bus names are letters, digits, '.', '_', '-' and ':'; anything else would break the string literal.
        if (busName.Length == 0 || busName.Any(c => !(char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-' or ':')))
            throw new ArgumentException($"not a D-Bus name: {busName}", nameof(busName));
        return Template().Replace("__PRESENTLY_SERVICE__", busName, StringComparison.Ordinal);
    }

    public static string Template()
    {
        using var stream = typeof(KWinScript).Assembly.GetManifestResourceStream("Presently.Agent.KWin.presently-kwin.js")
            ?? throw new InvalidOperationException("the KWin script is missing from this build");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }

    /// <summary>Writes the script for <paramref name="busName"/> under <paramref name="directory"/> (created 0700) and returns its path.</summary>
    public static string Write(string directory, string busName)
    {
        Directory.CreateDirectory(directory);
        if (!OperatingSystem.IsWindows())
            File.SetUnixFileMode(directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        var path = Path.Combine(directory, "presently-kwin.js");
        File.WriteAllText(path + ".tmp", Render(busName));
        File.Move(path + ".tmp", path, overwrite: true);
        return path;
    }

    /// <summary>$XDG_RUNTIME_DIR/presently (private to the user and gone at logout), else a folder under the temp directory.</summary>
    public static string DefaultDirectory() =>
        Environment.GetEnvironmentVariable("XDG_RUNTIME_DIR") is { Length: > 0 } runtime && Directory.Exists(runtime)
            ? Path.Combine(runtime, "presently")
            : Path.Combine(Path.GetTempPath(), $"presently-{Environment.UserName}");
}
