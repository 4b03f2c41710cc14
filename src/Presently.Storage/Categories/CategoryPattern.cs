using System.Text.RegularExpressions;

namespace Presently.Storage.Categories;

/// <summary>
/// One category's compiled pattern. It runs on .NET's backtracking engine, which holds almost no memory,
/// under a time budget; a pattern that once runs over it (catastrophic backtracking, such as
/// <c>(a+)+b</c> on a long title) is compiled again for the non-backtracking engine, whose time is linear
/// in the text, and stays there. Both engines agree on whether a pattern matches (every stored pattern
/// compiles for both: <see cref="Category.PatternProblem"/>), so the budget changes how long an answer
/// takes, never the answer. Why not always the linear engine: it holds about 1.5 MB per pattern of the
/// default set (measured: 17.5 MB per compiled set), so a server with a few sets alive carried 50 MB.
/// Thread-safe.
/// </summary>
public sealed class CategoryPattern
{
    /// <summary>How long one match may backtrack before the pattern moves to the linear engine.</summary>
    public static readonly TimeSpan BacktrackingBudget = TimeSpan.FromMilliseconds(20);

    private readonly Regex _backtracking;
    private readonly string _pattern;
    private Regex? _linear;

    private CategoryPattern(string pattern, Regex backtracking)
    {
        _pattern = pattern;
        _backtracking = backtracking;
    }

    /// <summary>True once this pattern ran over the budget and matches on the linear engine.</summary>
    public bool IsLinear => Volatile.Read(ref _linear) is not null;

    /// <summary>The compiled pattern, or null when it is empty, too long or does not compile (a hand-edited row matches nothing rather than stopping the server).</summary>
    public static CategoryPattern? TryCompile(string? pattern)
    {
        // Not checked for the linear engine here: that compile is what costs the memory. Stores take only patterns Category.Problem passed.
        if (string.IsNullOrEmpty(pattern) || pattern.Length > Category.MaxPatternLength) return null;
        try
        {
            return new CategoryPattern(pattern, new Regex(pattern, Category.PatternOptions, BacktrackingBudget));
        }
        catch (ArgumentException)
        {
            return null;
        }
    }

    public bool IsMatch(string text)
    {
        if (Volatile.Read(ref _linear) is { } linear) return linear.IsMatch(text);
        try
        {
            return _backtracking.IsMatch(text);
        }
        catch (RegexMatchTimeoutException)
        {
            // Two threads may both compile it here; either copy answers the same.
            if (Linear(_pattern) is not { } compiled) return false;
            Volatile.Write(ref _linear, compiled);
            return compiled.IsMatch(text);
        }
    }

    // A row edited by hand past the checks may use what the linear engine refuses (a back-reference): then
    // a text that exhausts its budget counts as no match, and the pattern goes on backtracking for the rest.
    private static Regex? Linear(string pattern)
    {
        try
        {
            return new Regex(pattern, Category.LinearPatternOptions);
        }
        catch (NotSupportedException)
        {
            return null;
        }
    }
}
