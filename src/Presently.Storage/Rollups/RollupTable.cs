using Presently.Storage.Reports;

namespace Presently.Storage.Rollups;

/// <summary>
/// The four rollup tables, named and shaped the same in every store: per UTC hour or day, per app
/// or per value of a context key. Their bucket column holds hours or days since 1970.
/// </summary>
public sealed record RollupTable(string Name, RollupGrain Grain, bool Context)
{
    public static readonly RollupTable Hours = new("rollup_hours", RollupGrain.Hour, false);
    public static readonly RollupTable Days = new("rollup_days", RollupGrain.Day, false);
    public static readonly RollupTable ContextHours = new("context_hours", RollupGrain.Hour, true);
    public static readonly RollupTable ContextDays = new("context_days", RollupGrain.Day, true);

    public static readonly IReadOnlyList<RollupTable> All = [Hours, Days, ContextHours, ContextDays];

    public static readonly IReadOnlyList<string> Names = [.. All.Select(t => t.Name)];

    public static RollupTable Of(RollupGrain grain, bool context) => All.Single(t => t.Grain == grain && t.Context == context);

    public string Bucket => Grain == RollupGrain.Day ? "day" : "hour";

    /// <summary>The bucket holding instant <paramref name="ms"/> (not before 1970).</summary>
    public long BucketOf(long ms) => ms / (Grain == RollupGrain.Day ? ReportPlan.DayMs : ReportPlan.HourMs);
}
