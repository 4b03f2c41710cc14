using Presently.Agent.Sensors;
using Presently.Protocol;

namespace Presently.Agent.Context;

/// <summary>
/// Editors: project and file from the window title. VS Code's default title is
/// "● file - project - Visual Studio Code"; JetBrains IDEs write "project – file" (older ones
/// "project [~/path] – file").
/// </summary>
public sealed class EditorEnricher : IContextEnricher
{
    private static readonly HashSet<string> VsCode = new(StringComparer.Ordinal)
    {
        "code", "code-oss", "vscodium", "codium", "visual studio code", "code - oss", "com.visualstudio.code",
    };

    private static readonly HashSet<string> JetBrains = new(StringComparer.Ordinal)
    {
        "rider", "intellij idea", "idea", "pycharm", "goland", "webstorm", "clion", "phpstorm", "rubymine", "datagrip", "android studio",
        "rider64", "idea64", "pycharm64", "goland64", "webstorm64", "clion64", "phpstorm64", "studio64",
    };

    private static readonly string[] JetBrainsPrefixes = ["jetbrains-"];

    private static readonly string[] VsCodeNames = ["Visual Studio Code", "Code - OSS", "VSCodium", "Code"];

    public string Name => "editor";

    public bool ChangesWithoutWindowEvents => false;

    public bool Applies(ForegroundSample sample) => AppMatch.Any(sample, VsCode) || AppMatch.Any(sample, JetBrains, JetBrainsPrefixes);

    public void Enrich(ForegroundSample sample, ContextFacts facts, TimeSpan budget)
    {
        var (project, file) = AppMatch.Any(sample, VsCode) ? FromVsCode(sample.Title) : FromJetBrains(sample.Title);
        facts.Set(ContextKeys.Project, project);
        facts.Set(ContextKeys.File, file);
    }

    public static (string? Project, string? File) FromVsCode(string? title)
    {
        if (string.IsNullOrWhiteSpace(title)) return (null, null);
        // The app's own name comes last, and "Code - OSS" holds the separator itself.
        foreach (var name in VsCodeNames)
        {
            if (title.EndsWith(" - " + name, StringComparison.Ordinal))
            {
                title = title[..^(name.Length + 3)];
                break;
            }
        }
        var parts = title.Split(" - ").Select(p => p.Trim()).ToList();
        // Remote and restricted windows add "[SSH: host]" or "[Restricted Mode]" to the project part.
        if (parts.Count == 0) return (null, null);
        var file = parts.Count >= 2 ? parts[0].TrimStart('●', ' ') : null;
        var project = parts[^1];
        if (parts.Count == 1 && LooksLikeFile(project)) (file, project) = (project.TrimStart('●', ' '), null);
        return (project is { Length: > 0 } ? project : null, file is { Length: > 0 } ? file : null);
    }

    public static (string? Project, string? File) FromJetBrains(string? title)
    {
        if (string.IsNullOrWhiteSpace(title)) return (null, null);
        var sep = title.IndexOf(" – ", StringComparison.Ordinal);
        var project = (sep < 0 ? title : title[..sep]).Trim();
        var file = sep < 0 ? null : title[(sep + 3)..].Trim();
        // "project [~/src/project]": the path in brackets is not part of the name.
        var bracket = project.IndexOf(" [", StringComparison.Ordinal);
        if (bracket > 0) project = project[..bracket];
        return (project.Length > 0 ? project : null, string.IsNullOrEmpty(file) ? null : file);
    }

    private static bool LooksLikeFile(string s) => Path.HasExtension(s) && !s.Contains(' ', StringComparison.Ordinal);
}
