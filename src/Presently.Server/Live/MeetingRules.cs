using System.Text.RegularExpressions;
using Microsoft.Extensions.Options;
using Presently.Protocol;
using Presently.Server.Options;

namespace Presently.Server.Live;

/// <summary>
/// Tells a meeting from other work by what is in front: a meeting app (Zoom, Teams, Webex…), a
/// meeting site in a browser tab (Meet, Jitsi, Whereby…) or a Slack huddle. Compiled once at start;
/// each pattern has a time limit, since titles are whatever a window says.
/// </summary>
public sealed class MeetingRules
{
    private static readonly TimeSpan MatchTimeout = TimeSpan.FromMilliseconds(20);

    public static readonly IReadOnlyList<MeetingRuleOptions> Defaults =
    [
        new() { App = @"^(zoom|zoom\.us|zoom workplace|zoom meetings?)$" },
        new() { App = @"^(microsoft teams|teams|ms-teams|teams-for-linux)$" },
        new() { App = @"webex" },
        new() { App = @"^(skype|skype for business|gotomeeting|goto|bluejeans|facetime|discord)$", Title = @"\b(call|meeting|video|voice)\b" },
        new() { Site = @"^(meet\.google\.com|meet\.jit\.si|teams\.microsoft\.com|teams\.live\.com|([a-z0-9-]+\.)?zoom\.us|([a-z0-9-]+\.)?whereby\.com|([a-z0-9-]+\.)?webex\.com)$" },
        new() { App = @"^slack$", Title = @"\bhuddle\b" },
    ];

    private readonly IReadOnlyList<(Regex? App, Regex? Site, Regex? Title)> _rules;

    public MeetingRules(IOptions<ServerOptions> options)
    {
        var configured = options.Value.MeetingRules;
        _rules = [.. (configured.Count > 0 ? configured : Defaults).Select(r => (Compile(r.App), Compile(r.Site), Compile(r.Title)))];
    }

    public bool Matches(SpanRecord? span)
    {
        if (span is null || span.State != SpanState.Active) return false;
        foreach (var (app, site, title) in _rules)
        {
            if ((app is not null || site is not null || title is not null)
                && Holds(app, span.App) && Holds(site, span.Context?[ContextKeys.Site]) && Holds(title, span.Title))
                return true;
        }
        return false;
    }

    /// <summary>The first pattern that does not compile, as a one-line problem; null when all do.</summary>
    public static string? Problem(IEnumerable<MeetingRuleOptions> rules)
    {
        foreach (var pattern in rules.SelectMany(r => new[] { r.App, r.Site, r.Title }).OfType<string>())
        {
            try
            {
                Compile(pattern);
            }
            catch (ArgumentException ex)
            {
                return $"Presently:MeetingRules: '{pattern}' is not a regular expression ({ex.Message})";
            }
        }
        return null;
    }

    private static bool Holds(Regex? pattern, string? value)
    {
        if (pattern is null) return true;
        if (value is null) return false;
        try
        {
            return pattern.IsMatch(value);
        }
        catch (RegexMatchTimeoutException)
        {
            return false;
        }
    }

    private static Regex? Compile(string? pattern) =>
        string.IsNullOrEmpty(pattern) ? null : new Regex(pattern, RegexOptions.IgnoreCase | RegexOptions.CultureInvariant, MatchTimeout);
}

/// <summary>Refuses to start with a meeting rule that does not compile, saying which.</summary>
public sealed class MeetingRulesValidation : IValidateOptions<ServerOptions>
{
    public ValidateOptionsResult Validate(string? name, ServerOptions options) =>
        MeetingRules.Problem(options.MeetingRules) is { } problem ? ValidateOptionsResult.Fail(problem) : ValidateOptionsResult.Success;
}
