using Presently.Agent.Config;
using Presently.Agent.Install;
using Presently.Agent.Platforms.Linux.Gnome;
using Presently.Tests.Fixtures;

namespace Presently.Tests.Agent;

/// <summary>
/// The GNOME Shell extension `install` writes and `uninstall` removes, with the commands replaced by
/// a recorder: the files for GNOME 43/44 and 45+, enabling with gnome-extensions or else gsettings,
/// machines without GNOME Shell, idempotency. The real Shell loading it is in GnomeShellSensorRealTests.
/// </summary>
public sealed class GnomeExtensionInstallTests : IDisposable
{
    private readonly TempDirectory _home = new();
    private readonly RecordingRunner _runner = new();

    public void Dispose() => _home.Dispose();

    private string DataHome => Path.Combine(_home.Path, ".local", "share");

    private GnomeShellExtension Extension => new(DataHome, _runner);

    private string ExtensionDirectory => Path.Combine(DataHome, "gnome-shell", "extensions", "presently@presently.dev");

    private sealed class RecordingRunner : ICommandRunner
    {
        public List<string> Calls { get; } = [];

        public Func<string, (int, string)> Answer { get; set; } = call => call == "gnome-shell --version" ? (0, "GNOME Shell 43.9\n") : (0, "");

        public (int ExitCode, string Output) Run(string program, params string[] args)
        {
            var call = $"{program} {string.Join(' ', args)}";
            Calls.Add(call);
            return Answer(call);
        }
    }

    [Fact]
    public void On_GNOME_43_install_writes_a_legacy_extension_and_enables_it()
    {
        var said = Extension.Install();

        Assert.Equal(["gnome-shell --version", "gnome-extensions enable presently@presently.dev"], _runner.Calls);
        var metadata = File.ReadAllText(Path.Combine(ExtensionDirectory, "metadata.json"));
        Assert.Contains("\"uuid\": \"presently@presently.dev\"", metadata);
        Assert.Contains("\"shell-version\": [\"43\", \"44\"]", metadata);
        var js = File.ReadAllText(Path.Combine(ExtensionDirectory, "extension.js"));
        Assert.Contains("const { Gio, GLib } = imports.gi;", js);
        Assert.Contains("function init()", js);
        Assert.DoesNotContain("import ", js.Replace("imports.gi", "", StringComparison.Ordinal));
        Assert.Contains("class PresentlyFocusReporter", js);
        Assert.Contains("'org.presently.Shell'", js);
        Assert.Equal($"wrote the GNOME Shell extension {ExtensionDirectory} (for GNOME 43), enabled; log out and back in once so GNOME Shell loads it (on Wayland the Shell cannot load a new extension while it runs)", said);
        Assert.True(File.Exists(Path.Combine(Extension.Directory, "extension.js")));
    }

    [Theory]
    [InlineData("GNOME Shell 45.0", "[\"45\", \"46\", \"47\", \"48\", \"49\"]")]
    [InlineData("GNOME Shell 48.2", "[\"45\", \"46\", \"47\", \"48\", \"49\"]")]
    [InlineData("GNOME Shell 50.alpha", "[\"45\", \"46\", \"47\", \"48\", \"49\", \"50\"]")]
    public void On_GNOME_45_and_later_install_writes_an_ES_module_extension_listing_the_running_version(string version, string listed)
    {
        _runner.Answer = call => call == "gnome-shell --version" ? (0, version) : (0, "");
        Extension.Install();

        var js = File.ReadAllText(Path.Combine(ExtensionDirectory, "extension.js"));
        Assert.StartsWith("// Presently (GNOME Shell 45 and later)", js);
        Assert.Contains("import Gio from 'gi://Gio';", js);
        Assert.Contains("import {Extension} from 'resource:///org/gnome/shell/extensions/extension.js';", js);
        Assert.Contains("export default class PresentlyExtension extends Extension", js);
        Assert.DoesNotContain("imports.gi", js);
        Assert.DoesNotContain("function init()", js);
        Assert.Contains($"\"shell-version\": {listed}", File.ReadAllText(Path.Combine(ExtensionDirectory, "metadata.json")));
    }

    [Fact]
    public void Without_GNOME_Shell_install_writes_nothing_and_says_nothing()
    {
        _runner.Answer = _ => (127, "gnome-shell: No such file or directory");
        var stdout = new StringWriter();
        var autostart = new SystemdUserUnit(Path.Combine(_home.Path, ".config"), new RecordingRunner { Answer = _ => (0, "") });

        Assert.Equal(0, InstallCommands.Install(Settings, Launch, autostart, stdout, TextWriter.Null, Extension));

        Assert.Equal(["gnome-shell --version"], _runner.Calls);
        Assert.False(Directory.Exists(Path.Combine(DataHome, "gnome-shell")));
        Assert.DoesNotContain("GNOME", stdout.ToString());
        Assert.Null(Extension.Uninstall());
    }

    [Theory]
    [InlineData("@as []", "['presently@presently.dev']")]
    [InlineData("['dash-to-dock@micxgx.gmail.com']", "['dash-to-dock@micxgx.gmail.com', 'presently@presently.dev']")]
    public void When_gnome_extensions_cannot_enable_it_install_adds_it_to_the_enabled_list_for_the_next_login(string current, string updated)
    {
        _runner.Answer = call => call switch
        {
            "gnome-shell --version" => (0, "GNOME Shell 44.1"),
            "gnome-extensions enable presently@presently.dev" => (2, "Extension “presently@presently.dev” does not exist"),
            "gsettings get org.gnome.shell enabled-extensions" => (0, current + "\n"),
            _ => (0, ""),
        };

        var said = Extension.Install();

        Assert.Equal($"gsettings set org.gnome.shell enabled-extensions {updated}", _runner.Calls[^1]);
        Assert.EndsWith("and enabled it for the next login: log out and back in once so GNOME Shell loads it", said);
    }

    [Fact]
    public void Already_in_the_enabled_list_install_does_not_set_it_again_and_a_failing_gsettings_is_explained()
    {
        _runner.Answer = call => call switch
        {
            "gnome-shell --version" => (0, "GNOME Shell 43.9"),
            "gnome-extensions enable presently@presently.dev" => (2, "no Shell"),
            "gsettings get org.gnome.shell enabled-extensions" => (0, "['presently@presently.dev']"),
            _ => (0, ""),
        };
        Extension.Install();
        Assert.DoesNotContain(_runner.Calls, c => c.StartsWith("gsettings set", StringComparison.Ordinal));

        _runner.Answer = call => call switch
        {
            "gnome-shell --version" => (0, "GNOME Shell 43.9"),
            "gnome-extensions enable presently@presently.dev" => (2, "no Shell"),
            _ => (1, "No schemas installed"),
        };
        var said = Extension.Install();
        Assert.Contains("but could not enable it (no Shell; gsettings get: No schemas installed): after logging out and in, run: gnome-extensions enable presently@presently.dev", said);
    }

    [Fact]
    public void Install_twice_keeps_the_files_and_says_there_is_nothing_new_to_load()
    {
        Extension.Install();
        var js = Path.Combine(ExtensionDirectory, "extension.js");
        var written = File.GetLastWriteTimeUtc(js);

        var said = Extension.Install();

        Assert.StartsWith($"kept the GNOME Shell extension {ExtensionDirectory}", said);
        Assert.EndsWith("enabled; nothing new to load", said);
        Assert.Equal(written, File.GetLastWriteTimeUtc(js));
        Assert.Equal(["extension.js", "metadata.json"], Directory.GetFiles(ExtensionDirectory).Select(f => Path.GetFileName(f)).Order().ToArray());
    }

    [Fact]
    public void Uninstall_disables_and_removes_the_extension_and_install_and_uninstall_say_so()
    {
        var autostart = new SystemdUserUnit(Path.Combine(_home.Path, ".config"), new RecordingRunner { Answer = _ => (0, "") });
        var stdout = new StringWriter();
        Assert.Equal(0, InstallCommands.Install(Settings, Launch, autostart, stdout, TextWriter.Null, Extension));
        Assert.Contains($"wrote the GNOME Shell extension {ExtensionDirectory}", stdout.ToString());
        _runner.Calls.Clear();

        stdout = new StringWriter();
        Assert.Equal(0, InstallCommands.Uninstall(Settings, purge: false, autostart, stdout, TextWriter.Null, Extension));

        Assert.Equal(["gnome-extensions disable presently@presently.dev"], _runner.Calls);
        Assert.False(Directory.Exists(ExtensionDirectory));
        Assert.Contains($"removed the GNOME Shell extension {ExtensionDirectory} (GNOME Shell drops it at the next login)", stdout.ToString());
        // Other extensions are left alone.
        Assert.True(Directory.Exists(Path.Combine(DataHome, "gnome-shell", "extensions")));

        _runner.Calls.Clear();
        Assert.Null(Extension.Uninstall());
        Assert.Empty(_runner.Calls);
    }

    private AgentSettings Settings => new() { StateDirectory = Path.Combine(_home.Path, ".local", "state", "presently") };

    private static readonly AgentLaunch Launch = new("/home/ann/.local/lib/presently-agent/presently-agent", ["run"], new Dictionary<string, string>());
}
