using System.Text.RegularExpressions;
using Presently.Agent.Config;
using Presently.Agent.Sensors;

namespace Presently.Agent.Privacy;

/// <summary>
/// The privacy filter: a pure function from what the sensor saw to what may be recorded.
/// Excluded apps lose their name and title; titles are redacted or dropped. When a rule cannot be
/// evaluated in time it fails closed: the app counts as excluded, the title is dropped.
/// </summary>
public sealed class PrivacyFilter
{
    private static readonly TimeSpan RegexBudget = TimeSpan.FromMilliseconds(50);

    private readonly HashSet<string> _excludedNames = new(StringComparer.OrdinalIgnoreCase);
    private readonly List<Regex> _excludedPatterns = [];
    private readonly List<(Regex Pattern, string Replacement)> _redactions = [];
    private readonly bool _sendTitles;

    public PrivacyFilter(PrivacySettings settings)
    {
        foreach (var entry in settings.ExcludeApps)
        {
            if (entry.Length > 2 && entry.StartsWith('/') && entry.EndsWith('/'))
                _excludedPatterns.Add(Compile(entry[1..^1], $"ExcludeApps entry {entry}"));
            else if (entry.Length > 0)
                _excludedNames.Add(entry);
        }
        foreach (var rule in settings.RedactTitles)
            _redactions.Add((Compile(rule.Pattern, $"RedactTitles pattern {rule.Pattern}"), rule.Replacement));
        _sendTitles = settings.SendTitles;
    }

    public sealed record Result(string? App, string? Title, bool Excluded);

    public Result Apply(ForegroundSample sample)
    {
        if (IsExcluded(sample.App) || IsExcluded(sample.Process)) return new Result(null, null, true);
        return new Result(sample.App, _sendTitles ? Redact(sample.Title) : null, false);
    }

    private bool IsExcluded(string? name)
    {
        if (name is null) return false;
        if (_excludedNames.Contains(name)) return true;
        foreach (var pattern in _excludedPatterns)
        {
            try
            {
                if (pattern.IsMatch(name)) return true;
            }
            catch (RegexMatchTimeoutException)
            {
                return true;
            }
        }
        return false;
    }

    private string? Redact(string? title)
    {
        if (title is null) return null;
        foreach (var (pattern, replacement) in _redactions)
        {
            try
            {
                title = pattern.Replace(title, replacement);
            }
            catch (RegexMatchTimeoutException)
            {
                return null;
            }
        }
        return title.Length == 0 ? null : title;
    }

    private static Regex Compile(string pattern, string what)
    {
        if (pattern.Length > 1000) throw new ConfigException($"{what[..Math.Min(what.Length, 60)]}… is longer than 1000 characters");
        try
        {
            return new Regex(pattern, RegexOptions.IgnoreCase | RegexOptions.CultureInvariant, RegexBudget);
        }
        catch (ArgumentException ex)
        {
            throw new ConfigException($"{what} is not a valid regex: {ex.Message}");
        }
    }
}
