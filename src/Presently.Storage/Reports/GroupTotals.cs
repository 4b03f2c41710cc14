using Presently.Storage.Categories;
using Presently.Protocol;

namespace Presently.Storage.Reports;

/// <summary>
/// A report's running totals per group, keyed by the values of its dimensions in the order asked
/// for. Its size follows the number of groups, never the number of spans read.
/// </summary>
public sealed class GroupTotals(IReadOnlyList<ReportDimension> groupBy)
{
    private readonly Dictionary<string, (string[] Key, long Ms)> _totals = new(StringComparer.Ordinal);

    /// <summary>
    /// Adds time for one agent's app. A context dimension takes <paramref name="rolledUpValue"/>
    /// when given (a rollup row), else the value in <paramref name="context"/>, else <see cref="HoursReport.NoContext"/>.
    /// </summary>
    /// <param name="category">The span's category (null: none), when read from spans.</param>
    /// <param name="rolledUpValue">The value of the one context-rollup dimension, when read from the context rollups.</param>
    public void Add(ReportAgent agent, string? app, string? day, SpanContext? context, string? category, string? rolledUpValue, long ms)
    {
        var key = new string[groupBy.Count];
        for (var i = 0; i < key.Length; i++)
        {
            key[i] = groupBy[i] switch
            {
                ReportDimension.Person => agent.Person,
                ReportDimension.Team => agent.Team ?? HoursReport.NoTeam,
                ReportDimension.Agent => agent.AgentId,
                ReportDimension.Host => agent.Host,
                ReportDimension.App => string.IsNullOrEmpty(app) ? HoursReport.UnknownApp : app,
                ReportDimension.Day => day!,
                ReportDimension.Category => rolledUpValue ?? category ?? CategoryRules.Uncategorized,
                var d when ReportDimensions.ContextKey(d) is { } contextKey => rolledUpValue ?? context?[contextKey] ?? HoursReport.NoContext,
                _ => throw new ArgumentOutOfRangeException(nameof(groupBy)),
            };
        }
        var id = string.Join('\u0001', key);
        ref var total = ref System.Runtime.InteropServices.CollectionsMarshal.GetValueRefOrAddDefault(_totals, id, out var exists);
        total = exists ? (total.Key, total.Ms + ms) : (key, ms);
    }

    /// <summary>
    /// The rows, largest first; groups that came to nothing are left out, and beyond
    /// <paramref name="maxRows"/> the smallest are folded into one <see cref="HoursReport.Other"/> row.
    /// </summary>
    public ReportResult ToResult(DateTimeOffset from, DateTimeOffset to, TimeZoneInfo timeZone, int maxRows)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxRows, 2);
        var rows = _totals.Values
            .Where(t => t.Ms > 0)
            .Select(t => new ReportRow(t.Key, t.Ms))
            .OrderByDescending(r => r.Milliseconds)
            .ThenBy(r => string.Join('\u0001', r.Key), StringComparer.Ordinal)
            .ToList();
        if (rows.Count <= maxRows) return new ReportResult(from, to, timeZone.Id, groupBy, rows);

        // Every millisecond stays in the total: the smallest groups are folded into one row, so a report's
        // size follows the limit however many distinct apps an agent made up.
        var folded = rows.Count - (maxRows - 1);
        var rest = new ReportRow(Enumerable.Repeat(HoursReport.Other, groupBy.Count).ToArray(), rows.Skip(maxRows - 1).Sum(r => r.Milliseconds));
        return new ReportResult(from, to, timeZone.Id, groupBy, [.. rows.Take(maxRows - 1), rest], folded);
    }
}
