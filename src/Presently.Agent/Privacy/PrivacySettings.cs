namespace Presently.Agent.Privacy;

/// <summary>Privacy rules, applied on this computer before anything is journaled or sent. See docs/agent.md.</summary>
public sealed class PrivacySettings
{
    /// <summary>
    /// Apps whose time is recorded as "private", with no app name or title. An entry matches the
    /// app (WM_CLASS) or process name, case-insensitively; an entry written /like this/ is a regex.
    /// </summary>
    public List<string> ExcludeApps { get; set; } = [];

    /// <summary>Regex → replacement rules applied to every title, in order.</summary>
    public List<RedactionRule> RedactTitles { get; set; } = [];

    /// <summary>False sends no titles at all, only app names (and no context: it repeats what titles show).</summary>
    public bool SendTitles { get; set; } = true;

    /// <summary>
    /// Apps that are never looked into: their time counts under the app's name, with no title and no
    /// context, and no enricher runs for them. Entries match like <see cref="ExcludeApps"/>.
    /// </summary>
    public List<string> NeverIntrospect { get; set; } = [];

    /// <summary>Context keys never sent (e.g. "site", "track"); their enrichers' findings stay on this computer.</summary>
    public List<string> DropContext { get; set; } = [];

    /// <summary>Regex → replacement rules for context values, per key ("*": every key). <see cref="RedactTitles"/> apply to every value too.</summary>
    public List<ContextRedactionRule> RedactContext { get; set; } = [];
}

public sealed class ContextRedactionRule
{
    public string Key { get; set; } = "*";

    public string Pattern { get; set; } = "";

    public string Replacement { get; set; } = "…";
}

public sealed class RedactionRule
{
    public string Pattern { get; set; } = "";

    public string Replacement { get; set; } = "…";
}
