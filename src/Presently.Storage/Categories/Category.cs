using System.Globalization;
using System.Text.RegularExpressions;

namespace Presently.Storage.Categories;

/// <summary>What a category's pattern is matched against: stored as its number (0-3).</summary>
public enum CategoryField
{
    /// <summary>The app name, the window title or any context value.</summary>
    Any,
    App,
    Title,
    /// <summary>Any of the span's context values (tab, site, track, command, project, …).</summary>
    Context,
}

/// <summary>
/// A category such as <c>Work/Coding</c>: a .NET regular expression matched case-insensitively against
/// the app name, the window title or the context values (<see cref="Field"/>), a colour (null: its
/// parent's) and a productivity score from −2 to +2. A category with an empty pattern matches nothing
/// itself: a parent such as <c>Work</c>. Where several match, <see cref="CategoryRules"/> picks the deepest.
/// </summary>
public sealed record Category(long Id, string Path, string Pattern, CategoryField Field, string? Colour, int Score)
{
    public const char Separator = '/';
    /// <summary>How a path is shown: <c>Work › Coding</c>.</summary>
    public const string DisplaySeparator = " › ";
    public const int MaxSegmentLength = 64;
    public const int MaxDepth = 4;
    public const int MaxPatternLength = 500;
    public const int MinScore = -2;
    public const int MaxScore = 2;

    /// <summary>How every pattern is matched first: case-insensitively, on the backtracking engine under a time budget (<see cref="CategoryPattern"/>).</summary>
    public const RegexOptions PatternOptions = RegexOptions.IgnoreCase | RegexOptions.CultureInvariant;

    /// <summary>How a pattern that ran over its budget is matched: the non-backtracking engine runs in time linear in the text, whatever an admin wrote.</summary>
    public const RegexOptions LinearPatternOptions = PatternOptions | RegexOptions.NonBacktracking;

    public string DisplayPath => Display(Path);

    public int Depth => DepthOf(Path);

    public static string Display(string path) => path.Replace(Separator.ToString(), DisplaySeparator, StringComparison.Ordinal);

    public static int DepthOf(string path) => path.Count(c => c == Separator) + 1;

    /// <summary>The parent's path (<c>Work</c> of <c>Work/Coding</c>); null at the top.</summary>
    public static string? ParentOf(string path) => path.LastIndexOf(Separator) is var i and > 0 ? path[..i] : null;

    /// <summary>What an admin typed, tidied: segments trimmed (<c>Work / Coding</c> is <c>Work/Coding</c>), the colour in lower case, empty as null.</summary>
    public static Category Tidy(long id, string? path, string? pattern, CategoryField field, string? colour, int score) => new(id,
        string.Join(Separator, (path ?? "").Trim().Split(Separator).Select(s => s.Trim())),
        pattern ?? "", field,
        string.IsNullOrWhiteSpace(colour) ? null : colour.Trim().ToLowerInvariant(),
        score);

    /// <summary>What is wrong with this category, in one line; null when it may be stored.</summary>
    public string? Problem() => Problem(Path, Pattern, Field, Colour, Score);

    /// <summary>The one check of a category, for every store and page: a one-line problem, or null when it will do.</summary>
    public static string? Problem(string? path, string? pattern, CategoryField field, string? colour, int score)
    {
        if (string.IsNullOrEmpty(path)) return "Name the category.";
        if (path.Any(char.IsControl)) return "A category's name is one line of text.";
        var segments = path.Split(Separator);
        if (segments.Length > MaxDepth) return $"A category is at most {MaxDepth} levels deep.";
        if (segments.Any(s => s.Length == 0 || string.IsNullOrWhiteSpace(s))) return $"Each level of a path has a name: write it like Work{Separator}Coding.";
        if (segments.Any(s => s != s.Trim())) return "A level's name does not start or end with a space.";
        if (segments.Any(s => s.Length > MaxSegmentLength)) return $"Each level's name has at most {MaxSegmentLength} characters.";
        if (!Enum.IsDefined(field)) return "Match the app, the title, the context or any of them.";
        if (colour is not null && !IsColour(colour)) return "A colour is written #rrggbb, as #1f77b4 (or left empty for the parent's).";
        if (score is < MinScore or > MaxScore) return $"A score is a whole number from {MinScore} to +{MaxScore}.";
        return PatternProblem(pattern);
    }

    /// <summary>Null when the pattern is empty or compiles for both engines a pattern may run on (<see cref="CategoryPattern"/>).</summary>
    public static string? PatternProblem(string? pattern)
    {
        if (string.IsNullOrEmpty(pattern)) return null;
        if (pattern.Length > MaxPatternLength) return $"A pattern has at most {MaxPatternLength} characters.";
        try
        {
            // The linear engine accepts a subset of what the backtracking one does; each check sees a different fault.
            _ = new Regex(pattern, PatternOptions);
            _ = new Regex(pattern, LinearPatternOptions);
            return null;
        }
        catch (ArgumentException ex)
        {
            return $"The pattern is not a regular expression: {OneLine(ex.Message)}";
        }
        catch (NotSupportedException ex)
        {
            // Back-references, look-arounds and atomic groups: what the linear-time engine cannot do.
            return $"The pattern uses what cannot be matched in linear time: {OneLine(ex.Message)}";
        }
    }

    public static bool IsColour(string colour) =>
        colour.Length == 7 && colour[0] == '#' && colour.AsSpan(1).ContainsAnyExcept("0123456789abcdefABCDEF") is false;

    private static string OneLine(string message)
    {
        var line = string.Join(' ', message.Split(['\r', '\n'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
        return line.Length <= 200 ? line : TextCut.Prefix(line, 199) + "…";
    }

    /// <summary>The score as the pages write it: +2, 0, −1.</summary>
    public static string ScoreText(int score) => score > 0 ? "+" + score.ToString(CultureInfo.InvariantCulture) : score < 0 ? "−" + (-score).ToString(CultureInfo.InvariantCulture) : "0";
}

public static class CategoryFieldNames
{
    /// <summary>The one spelling of a field on pages and in forms: any, app, title, context.</summary>
    public static string Name(this CategoryField field) => field switch
    {
        CategoryField.App => "app",
        CategoryField.Title => "title",
        CategoryField.Context => "context",
        _ => "any",
    };

    /// <summary>The field of that name; null for any other text (numbers included).</summary>
    public static CategoryField? Parse(string? name) => name switch
    {
        "any" => CategoryField.Any,
        "app" => CategoryField.App,
        "title" => CategoryField.Title,
        "context" => CategoryField.Context,
        _ => null,
    };

    public static readonly IReadOnlyList<CategoryField> All = [CategoryField.Any, CategoryField.App, CategoryField.Title, CategoryField.Context];
}
