using System.Collections.Concurrent;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Presently.Protocol;

namespace Presently.Storage.Categories;

/// <summary>
/// A list of categories compiled once: tells which category a span is in. Every pattern that matches
/// its field is a candidate; the deepest path wins (<c>Work/Coding</c> over <c>Work</c>), and among
/// equally deep ones the earlier in the list. Answers are cached (bounded), so the same app, title and
/// context cost one dictionary look-up. Immutable and thread-safe: a change builds a new one.
/// </summary>
public sealed class CategoryRules
{
    /// <summary>What reports call time that no category matches.</summary>
    public const string Uncategorized = "Uncategorized";

    /// <summary>The colour of a category with none of its own nor any parent's, and of uncategorized time.</summary>
    public const string DefaultColour = "#9e9e9e";

    /// <summary>At most this many answers are cached; when full, the cache starts again.</summary>
    public const int MaxCached = 16_384;

    // Keys longer than this (a very long title) are answered but not cached, so the cache stays small.
    private const int MaxCachedKeyLength = 2_048;

    public static readonly CategoryRules Empty = new([]);

    private readonly (Category Category, CategoryPattern Pattern)[] _byDepth;
    private readonly Dictionary<string, Category> _byPath;
    private readonly ConcurrentDictionary<string, string?> _cache = new(StringComparer.Ordinal);
    // Misses add under this lock (they ran the patterns; the lock costs nothing beside that), so the cache never holds more than MaxCached.
    private readonly Lock _adding = new();

    /// <param name="categories">In their order (the store's positions), which breaks ties between equally deep matches.</param>
    public CategoryRules(IReadOnlyList<Category> categories)
    {
        Categories = categories;
        _byPath = new Dictionary<string, Category>(StringComparer.Ordinal);
        foreach (var c in categories) _byPath.TryAdd(c.Path, c);
        // Deepest first, list order within a depth (OrderBy is stable): the first match is the answer.
        _byDepth = [.. categories
            .Select(c => (Category: c, Pattern: CategoryPattern.TryCompile(c.Pattern)))
            .Where(r => r.Pattern is not null)
            .Select(r => (r.Category, r.Pattern!))
            .OrderByDescending(r => r.Category.Depth)];
        Fingerprint = FingerprintOf(categories);
    }

    public IReadOnlyList<Category> Categories { get; }

    /// <summary>
    /// The SHA-256 (hex) of what decides a span's category: each category's path, field and pattern, in
    /// order. Equal for equal rules, so totals built with one rule set can tell they are out of date.
    /// Colours and scores are not part of it: they change no span's category.
    /// </summary>
    public string Fingerprint { get; }

    public string? Classify(string? app, string? title, SpanContext? context = null) =>
        Classify(app, title, context?.Entries.Select(e => e.Value));

    /// <summary>The path of the category the span is in, or null when none matches (<see cref="Uncategorized"/>).</summary>
    public string? Classify(string? app, string? title, IEnumerable<string>? contextValues)
    {
        if (_byDepth.Length == 0) return null;
        var values = contextValues as IReadOnlyList<string> ?? contextValues?.ToArray() ?? [];
        var key = Key(app, title, values);
        if (key is not null && _cache.TryGetValue(key, out var known)) return known;
        var path = Match(app, title, values);
        if (key is not null)
        {
            lock (_adding)
            {
                if (_cache.Count >= MaxCached) _cache.Clear();
                _cache.TryAdd(key, path);
            }
        }
        return path;
    }

    /// <summary>The category's colour, or its nearest parent's that has one; <see cref="DefaultColour"/> otherwise (and for null).</summary>
    public string Colour(string? path)
    {
        for (var p = path; p is not null; p = Category.ParentOf(p))
            if (_byPath.TryGetValue(p, out var c) && c.Colour is not null) return c.Colour;
        return DefaultColour;
    }

    /// <summary>The category's score (its nearest listed parent's if the path is not listed itself); 0 when none.</summary>
    public int Score(string? path)
    {
        for (var p = path; p is not null; p = Category.ParentOf(p))
            if (_byPath.TryGetValue(p, out var c)) return c.Score;
        return 0;
    }

    /// <summary>How many answers are cached now (for tests and metrics).</summary>
    public int CachedCount => _cache.Count;

    private string? Match(string? app, string? title, IReadOnlyList<string> values)
    {
        foreach (var (category, pattern) in _byDepth)
        {
            var field = category.Field;
            if (((field is CategoryField.Any or CategoryField.App) && app is not null && pattern.IsMatch(app))
                || ((field is CategoryField.Any or CategoryField.Title) && title is not null && pattern.IsMatch(title))
                || ((field is CategoryField.Any or CategoryField.Context) && AnyMatch(pattern, values)))
                return category.Path;
        }
        return null;
    }

    private static bool AnyMatch(CategoryPattern pattern, IReadOnlyList<string> values)
    {
        foreach (var v in values)
            if (pattern.IsMatch(v)) return true;
        return false;
    }

    /// <summary>Each part with its length before it (null as −1), so no two inputs share a key; null when too long to cache.</summary>
    private static string? Key(string? app, string? title, IReadOnlyList<string> values)
    {
        var length = (app?.Length ?? 0) + (title?.Length ?? 0) + values.Sum(v => v.Length);
        if (length > MaxCachedKeyLength) return null;
        var sb = new StringBuilder(length + 16 + 4 * values.Count);
        Append(sb, app);
        Append(sb, title);
        foreach (var v in values) Append(sb, v);
        return sb.ToString();
    }

    private static void Append(StringBuilder sb, string? part) =>
        sb.Append((part?.Length ?? -1).ToString(CultureInfo.InvariantCulture)).Append(':').Append(part);

    private static string FingerprintOf(IReadOnlyList<Category> categories)
    {
        var sb = new StringBuilder("presently-categories-v1\n");
        foreach (var c in categories)
        {
            Append(sb, c.Path);
            Append(sb, ((int)c.Field).ToString(CultureInfo.InvariantCulture));
            Append(sb, c.Pattern);
            sb.Append('\n');
        }
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(sb.ToString())));
    }
}
