using System.Text.RegularExpressions;
using Presently.Agent.Install;

namespace Presently.Agent.Platforms.Linux.Gnome;

/// <summary>
/// The GNOME Shell extension the GNOME sensor listens to, written by `install` into
/// <c>$XDG_DATA_HOME/gnome-shell/extensions/presently@presently.dev/</c> and removed by `uninstall`.
/// GNOME 45 changed extensions to ES modules, so extension.js is put together for the installed
/// Shell's version. On Wayland the running Shell does not see a new extension until the next login.
/// </summary>
public sealed partial class GnomeShellExtension(string dataHome, ICommandRunner runner)
{
    public const string Uuid = "presently@presently.dev";

    public string Directory => Path.Combine(dataHome, "gnome-shell", "extensions", Uuid);

    public static GnomeShellExtension ForCurrentUser(ICommandRunner runner) => new(DataHome(), runner);

    /// <summary>True when this user has the extension's files (installed, maybe not yet running).</summary>
    public static bool IsInstalledForCurrentUser() => File.Exists(Path.Combine(ForCurrentUser(ProcessRunner.Instance).Directory, "extension.js"));

    /// <summary>Writes the extension if GNOME Shell is installed and enables it; null when there is no GNOME Shell here.</summary>
    public string? Install()
    {
        var (code, output) = runner.Run("gnome-shell", "--version");
        if (code != 0) return null; // not a GNOME machine: nothing to do
        var major = ShellMajor(output);
        var legacy = major is < 45;
        var changed = WriteIfChanged("metadata.json", Metadata(legacy, major)) | WriteIfChanged("extension.js", ExtensionJs(legacy));
        var what = $"{(changed ? "wrote" : "kept")} the GNOME Shell extension {Directory} (for GNOME {(major is { } m ? m.ToString(System.Globalization.CultureInfo.InvariantCulture) : "45 or later")})";

        var (enableCode, enableOutput) = runner.Run("gnome-extensions", "enable", Uuid);
        if (enableCode == 0)
            return $"{what}, enabled; {(changed ? "log out and back in once so GNOME Shell loads it (on Wayland the Shell cannot load a new extension while it runs)" : "nothing new to load")}";
        // The running Shell does not know a new extension yet: put it in the enabled list for the next login.
        if (EnableInSettings() is { } error)
            return $"{what}, but could not enable it ({OneLine(enableOutput)}; {error}): after logging out and in, run: gnome-extensions enable {Uuid}";
        return $"{what} and enabled it for the next login: log out and back in once so GNOME Shell loads it";
    }

    /// <summary>Disables and removes the extension; null when it was never installed (nothing to say).</summary>
    public string? Uninstall()
    {
        if (!System.IO.Directory.Exists(Directory)) return null;
        runner.Run("gnome-extensions", "disable", Uuid);
        System.IO.Directory.Delete(Directory, recursive: true);
        return $"removed the GNOME Shell extension {Directory} (GNOME Shell drops it at the next login)";
    }

    /// <summary>Adds the uuid to org.gnome.shell enabled-extensions; null when done.</summary>
    private string? EnableInSettings()
    {
        var (code, current) = runner.Run("gsettings", "get", "org.gnome.shell", "enabled-extensions");
        if (code != 0) return $"gsettings get: {OneLine(current)}";
        if (current.Contains($"'{Uuid}'", StringComparison.Ordinal)) return null;
        var list = current.Trim();
        var updated = list is "@as []" or "[]" ? $"['{Uuid}']"
            : list.StartsWith('[') && list.EndsWith(']') ? list[..^1] + $", '{Uuid}']"
            : null;
        if (updated is null) return $"unexpected enabled-extensions value {OneLine(list)}";
        var (setCode, setOutput) = runner.Run("gsettings", "set", "org.gnome.shell", "enabled-extensions", updated);
        return setCode == 0 ? null : $"gsettings set: {OneLine(setOutput)}";
    }

    private bool WriteIfChanged(string name, string content)
    {
        var path = Path.Combine(Directory, name);
        if (File.Exists(path) && File.ReadAllText(path) == content) return false;
        System.IO.Directory.CreateDirectory(Directory);
        File.WriteAllText(path + ".tmp", content);
        File.Move(path + ".tmp", path, overwrite: true);
        return true;
    }

    /// <summary>"GNOME Shell 43.9" → 43.</summary>
    internal static int? ShellMajor(string versionOutput) =>
        VersionPattern().Match(versionOutput) is { Success: true } m && int.TryParse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture, out var v) ? v : null;

    [GeneratedRegex(@"GNOME Shell (\d+)")]
    private static partial Regex VersionPattern();

    /// <summary>
    /// GNOME Shell refuses an extension whose shell-version does not list its major version, so a Shell
    /// newer than the list is added (the module format is the one of 45), so install on a newer Shell is not refused outright.
    /// </summary>
    public static string Metadata(bool legacy, int? major = null)
    {
        var listed = legacy ? new[] { 43, 44 } : [45, 46, 47, 48, 49];
        if (!legacy && major is { } m && m > listed[^1]) listed = [.. listed, m];
        var versions = string.Join(", ", listed.Select(v => $"\"{v.ToString(System.Globalization.CultureInfo.InvariantCulture)}\""));
        return "{\n" +
            $"  \"uuid\": \"{Uuid}\",\n" +
            "  \"name\": \"Presently\",\n" +
            "  \"description\": \"Tells the Presently agent which window has the focus (its class, title and process), over the session bus as org.presently.Shell.\",\n" +
            $"  \"shell-version\": [{versions}],\n" +
            "  \"url\": \"https://presently.dev\"\n" +
            "}\n";
    }

    public static string ExtensionJs(bool legacy)
    {
        var version = legacy ? "43" : "45";
        return Resource($"prologue-{version}.js") + Resource("focus-reporter.js") + Resource($"epilogue-{version}.js");
    }

    private static string Resource(string name)
    {
        using var stream = typeof(GnomeShellExtension).Assembly.GetManifestResourceStream($"Presently.Agent.Gnome.{name}")
            ?? throw new InvalidOperationException($"{name} is missing from this build");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }

    private static string OneLine(string s) => s.Length == 0 ? "no output" : s.ReplaceLineEndings(" ").Trim();

    private static string DataHome() =>
        Environment.GetEnvironmentVariable("XDG_DATA_HOME") is { Length: > 0 } xdg
            ? xdg
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".local", "share");
}
