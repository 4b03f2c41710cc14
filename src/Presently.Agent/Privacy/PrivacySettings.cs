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

    /// <summary>False sends no titles at all, only app names.</summary>
    public bool SendTitles { get; set; } = true;
}

public sealed class RedactionRule
{
    public string Pattern { get; set; } = "";

    public string Replacement { get; set; } = "…";
}
