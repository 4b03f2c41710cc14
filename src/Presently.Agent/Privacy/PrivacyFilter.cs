using System.Text.RegularExpressions;
using Presently.Agent.Config;
using Presently.Agent.Sensors;
using Presently.Protocol;

namespace Presently.Agent.Privacy;

/// <summary>
/// The privacy filter: a pure function from what the sensor and enrichers saw to what may be
/// recorded. Excluded apps lose their name, title and context; never-introspected apps keep only
/// their name; titles and each context value are redacted or dropped. When a rule cannot be
/// evaluated in time it fails closed: the app counts as excluded, the title or value is dropped.
/// </summary>
public sealed class PrivacyFilter
{
    private static readonly TimeSpan RegexBudget = TimeSpan.FromMilliseconds(50);

    private readonly List<(Regex Pattern, string Replacement)> _redactions = [];
    private readonly AppMatcher _excluded = new();
    private readonly AppMatcher _opaque = new();
    private readonly List<(string Key, Regex Pattern, string Replacement)> _contextRedactions = [];
    private readonly HashSet<string> _dropContext = new(StringComparer.Ordinal);
    private readonly bool _sendTitles;

    public PrivacyFilter(PrivacySettings settings)
    {
        foreach (var entry in settings.ExcludeApps) _excluded.Add(entry, "ExcludeApps");
        foreach (var entry in settings.NeverIntrospect) _opaque.Add(entry, "NeverIntrospect");
        foreach (var rule in settings.RedactTitles)
            _redactions.Add((Compile(rule.Pattern, $"RedactTitles pattern {rule.Pattern}"), rule.Replacement));
        foreach (var rule in settings.RedactContext)
        {
            if (rule.Key != "*" && !SpanContext.IsValidKey(rule.Key)) throw new ConfigException($"RedactContext key '{rule.Key}' is not a context key (a-z 0-9 _, or * for all)");
            _contextRedactions.Add((rule.Key, Compile(rule.Pattern, $"RedactContext pattern {rule.Pattern}"), rule.Replacement));
        }
        foreach (var key in settings.DropContext) _dropContext.Add(key);
        _sendTitles = settings.SendTitles;
    }

    public sealed record Result(string? App, string? Title, bool Excluded, SpanContext? Context = null);

    /// <summary>Whether enrichers may look inside this app at all (not excluded, not listed in NeverIntrospect).</summary>
    public bool MayIntrospect(ForegroundSample sample) =>
        !_excluded.Matches(sample.App) && !_excluded.Matches(sample.Process) && !_opaque.Matches(sample.App) && !_opaque.Matches(sample.Process);

    public Result Apply(ForegroundSample sample)
    {
        if (_excluded.Matches(sample.App) || _excluded.Matches(sample.Process)) return new Result(null, null, true);
        if (_opaque.Matches(sample.App) || _opaque.Matches(sample.Process)) return new Result(sample.App, null, false);
        if (!_sendTitles) return new Result(sample.App, null, false);
        return new Result(sample.App, Redact(sample.Title, _redactions), false, sample.Context?.Select(RedactValue));
    }

    private string? RedactValue(string key, string value)
    {
        if (_dropContext.Contains(key)) return null;
        var redacted = Redact(value, _redactions);
        foreach (var (ruleKey, pattern, replacement) in _contextRedactions)
        {
            if (redacted is null) break;
            if (ruleKey == "*" || ruleKey == key) redacted = Redact(redacted, [(pattern, replacement)]);
        }
        return redacted;
    }

    private static string? Redact(string? text, List<(Regex Pattern, string Replacement)> rules)
    {
        if (text is null) return null;
        foreach (var (pattern, replacement) in rules)
        {
            try
            {
                text = pattern.Replace(text, replacement);
            }
            catch (RegexMatchTimeoutException)
            {
                return null;
            }
        }
        return text.Length == 0 ? null : text;
    }

    /// <summary>App names, case-insensitively, or /regex/ entries; a rule that times out counts as a match (fail closed).</summary>
    private sealed class AppMatcher
    {
        private readonly HashSet<string> _names = new(StringComparer.OrdinalIgnoreCase);
        private readonly List<Regex> _patterns = [];

        public void Add(string entry, string setting)
        {
            if (entry.Length > 2 && entry.StartsWith('/') && entry.EndsWith('/'))
                _patterns.Add(Compile(entry[1..^1], $"{setting} entry {entry}"));
            else if (entry.Length > 0)
                _names.Add(entry);
        }

        public bool Matches(string? name)
        {
            if (name is null) return false;
            if (_names.Contains(name)) return true;
            foreach (var pattern in _patterns)
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
