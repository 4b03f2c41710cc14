using Presently.Protocol;
using Presently.Storage.Categories;
using Presently.Storage.Rollups;

namespace Presently.Storage.Reports;

/// <summary>What a report asks a store for: the period, the viewer's time zone, the grouping, and whose time (null: everyone's).</summary>
/// <param name="DayStartHour">The local hour the report's days start at, for grouping by day (0: midnight).</param>
public sealed record ReportRequest(DateTimeOffset From, DateTimeOffset To, TimeZoneInfo TimeZone, IReadOnlyList<ReportDimension> GroupBy,
    string? OnlyPerson = null, int MaxRows = int.MaxValue, int DayStartHour = 0);

/// <summary>An agent as reports name it.</summary>
/// <param name="Team">The person's team now (null: none): a report by team counts people where they are now.</param>
public sealed record ReportAgent(long Key, string AgentId, string Host, string Person, string? Team = null);

/// <summary>A rollup total for one segment of a plan: an agent's app (and, for a context rollup, one value).</summary>
public readonly record struct RollupTotal(int Segment, long AgentKey, string App, string? Value, long Ms);

/// <summary>
/// An active span's part inside one edge range of a plan (already cut to it), with its stored context
/// when asked for; or, with <paramref name="Overlap"/>, a part another device of the person held, whose time is taken away.
/// </summary>
public readonly record struct RangeSpan(int Segment, long AgentKey, string? App, long StartMs, long EndMs, string? Context, bool Overlap = false, string? Title = null);

public enum RollupGrain
{
    Hour,
    Day,
}

/// <summary>The three reads a store answers for reports; every filter is applied in the store.</summary>
public interface IReportSource
{
    /// <summary>The agents whose time may be counted (only <paramref name="onlyPerson"/>'s when given), by store key.</summary>
    Task<IReadOnlyDictionary<long, ReportAgent>> GetReportAgentsAsync(string? onlyPerson, CancellationToken ct);

    /// <summary>
    /// Rollup totals summed per segment, agent and app over each range; with <paramref name="contextKey"/>
    /// the totals per value of that key instead (spans without the key have no row).
    /// </summary>
    Task<IReadOnlyList<RollupTotal>> GetRollupTotalsAsync(RollupGrain grain, IReadOnlyList<BucketRange> ranges, string? contextKey, string? onlyPerson, CancellationToken ct);

    /// <summary>Active spans overlapping each range, cut to it, and the device overlaps there; context and title only when asked for.</summary>
    IAsyncEnumerable<RangeSpan> GetSpansAsync(IReadOnlyList<TimeRange> ranges, bool withContext, bool withTitle, string? onlyPerson, CancellationToken ct);
}

/// <summary>
/// The hours report over a store: plans the period (<see cref="ReportPlan"/>), reads whole days and
/// hours from rollups and the edges from spans, and sums per group. Exact to the millisecond: the
/// rollups hold exactly the stored spans' active time per hour less the overlaps (what a person's
/// other device held), and spans and overlaps are cut at the same bounds.
/// </summary>
public static class RollupReport
{
    /// <param name="categories">The rules the store's category rollups were summed with: edges are put in categories by them too.</param>
    public static async Task<ReportResult> RunAsync(IReportSource source, ReportRequest request, CategoryRules categories, CancellationToken ct = default)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan(request.From, request.To);
        var groupBy = request.GroupBy;
        var valueDims = groupBy.Where(d => ReportDimensions.IsContext(d) || d == ReportDimension.Category).ToList();
        // One rolled-up context key (or the category) can come from rollups; a tab, a file, a track or two at once come from spans.
        var valueDim = valueDims.Count == 1 ? valueDims[0] : (ReportDimension?)null;
        var rollupKey = valueDim is { } v ? ReportDimensions.RollupKey(v) : null;
        var useRollups = valueDims.Count == 0 || (rollupKey is not null && (rollupKey == RollupDelta.CategoryKey || RollupDelta.RolledUpContextKeys.Contains(rollupKey)));
        var byCategory = groupBy.Contains(ReportDimension.Category);
        var plan = ReportPlan.Create(request.From.ToUnixTimeMilliseconds(), request.To.ToUnixTimeMilliseconds(), request.TimeZone,
            groupBy.Contains(ReportDimension.Day), useRollups, request.DayStartHour);

        var agents = await source.GetReportAgentsAsync(request.OnlyPerson, ct);
        var totals = new GroupTotals(groupBy);
        var noValue = valueDim is { } dim ? ReportDimensions.NoValue(dim) : null;
        foreach (var (grain, ranges) in new[] { (RollupGrain.Day, plan.Days), (RollupGrain.Hour, plan.Hours) })
        {
            if (ranges.Count == 0) continue;
            foreach (var t in await source.GetRollupTotalsAsync(grain, ranges, null, request.OnlyPerson, ct))
                if (agents.TryGetValue(t.AgentKey, out var agent))
                    totals.Add(agent, t.App, plan.SegmentLabels[t.Segment], null, null, noValue, t.Ms);
            if (rollupKey is null) continue;
            // A value's time moves out of the app's "(none)" (or "Uncategorized") group: what is left there had no value.
            foreach (var t in await source.GetRollupTotalsAsync(grain, ranges, rollupKey, request.OnlyPerson, ct))
            {
                if (!agents.TryGetValue(t.AgentKey, out var agent)) continue;
                totals.Add(agent, t.App, plan.SegmentLabels[t.Segment], null, null, t.Value, t.Ms);
                totals.Add(agent, t.App, plan.SegmentLabels[t.Segment], null, null, noValue, -t.Ms);
            }
        }

        if (plan.Edges.Count > 0)
        {
            await foreach (var s in source.GetSpansAsync(plan.Edges, valueDims.Count > 0, byCategory, request.OnlyPerson, ct))
            {
                if (!agents.TryGetValue(s.AgentKey, out var agent)) continue;
                var context = SpanContext.FromJson(s.Context);
                var category = byCategory ? categories.Classify(s.App, s.Title, context) : null;
                totals.Add(agent, s.App, plan.SegmentLabels[s.Segment], context, category, null, s.Overlap ? s.StartMs - s.EndMs : s.EndMs - s.StartMs);
            }
        }
        return totals.ToResult(request.From, request.To, request.TimeZone, request.MaxRows);
    }
}
