using Presently.Protocol;
using Presently.Storage.Categories;
using Presently.Storage.Rollups;

namespace Presently.Storage.Reports;

public enum ReportDimension
{
    Person,
    Team,
    Agent,
    Host,
    App,
    // The category the admins' rules put a span in (CategoryRules), "Uncategorized" for none.
    Category,
    Day,
    // One per context key (Presently.Protocol.ContextKeys): spans without that key group under "(none)".
    Site,
    Tab,
    Project,
    File,
    Command,
    Track,
    Artist,
    Player,
}

public static class ReportDimensions
{
    /// <summary>The context key a dimension groups by, or null for person, agent, host, app and day.</summary>
    public static string? ContextKey(ReportDimension d) => d switch
    {
        ReportDimension.Site => ContextKeys.Site,
        ReportDimension.Tab => ContextKeys.Tab,
        ReportDimension.Project => ContextKeys.Project,
        ReportDimension.File => ContextKeys.File,
        ReportDimension.Command => ContextKeys.Command,
        ReportDimension.Track => ContextKeys.Track,
        ReportDimension.Artist => ContextKeys.Artist,
        ReportDimension.Player => ContextKeys.Player,
        _ => null,
    };

    public static bool IsContext(ReportDimension d) => ContextKey(d) is not null;

    /// <summary>The key of the context rollups a dimension reads (a rolled-up context key, or the categories'), or null.</summary>
    public static string? RollupKey(ReportDimension d) => d == ReportDimension.Category ? RollupDelta.CategoryKey : ContextKey(d);

    /// <summary>What a dimension read from the context rollups calls time without a value there.</summary>
    public static string NoValue(ReportDimension d) => d == ReportDimension.Category ? CategoryRules.Uncategorized : HoursReport.NoContext;

    /// <summary>The names groupBy accepts, for error messages and documentation.</summary>
    public static string Names => string.Join(", ", Enum.GetValues<ReportDimension>().Select(d => d.ToString().ToLowerInvariant()));
}

/// <summary>One group of the report: its key values in the order asked for, and its time.</summary>
public sealed record ReportRow(IReadOnlyList<string> Key, long Milliseconds)
{
    public double Seconds => Milliseconds / 1000.0;
}

/// <param name="FoldedGroups">How many of the smallest groups were folded into the last row, whose key is all <see cref="HoursReport.Other"/>.</param>
public sealed record ReportResult(
    DateTimeOffset From,
    DateTimeOffset To,
    string TimeZone,
    IReadOnlyList<ReportDimension> GroupBy,
    IReadOnlyList<ReportRow> Rows,
    int FoldedGroups = 0)
{
    public long TotalMilliseconds => Rows.Sum(r => r.Milliseconds);
}

/// <summary>
/// The hours transform: a pure function from active spans to time per group. Each span counts only
/// for its overlap with [from, to); with <see cref="ReportDimension.Day"/> it is cut at the viewer's
/// local midnights, so days are exact across DST changes. Nobody's time is counted twice: where an
/// agent's spans overlap (only data stored before ingest kept them apart can), the earlier-starting
/// span keeps the shared time; where a person's devices overlap, the device in front
/// (<see cref="ForegroundDevice"/>) does.
/// </summary>
public static class HoursReport
{
    public const string UnknownApp = "(unknown)";

    /// <summary>The group of spans that lack the context key a report groups by.</summary>
    public const string NoContext = "(none)";

    /// <summary>The team of people in none.</summary>
    public const string NoTeam = "(no team)";

    /// <summary>The key of the row that holds the groups beyond a report's row limit.</summary>
    public const string Other = "(other)";

    public static ReportResult Compute(
        IEnumerable<ReportSpan> spans,
        DateTimeOffset from,
        DateTimeOffset to,
        TimeZoneInfo timeZone,
        IReadOnlyList<ReportDimension> groupBy,
        CancellationToken ct = default,
        int maxRows = int.MaxValue,
        int dayStartHour = 0,
        CategoryRules? categories = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxRows, 2);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(from, to);
        var fromMs = from.ToUnixTimeMilliseconds();
        var toMs = to.ToUnixTimeMilliseconds();
        var totals = new GroupTotals(groupBy);
        var byDay = groupBy.Contains(ReportDimension.Day);

        foreach (var (span, start0, end0) in CountedPieces(spans, ct))
        {
            var start = Math.Max(start0, fromMs);
            var end = Math.Min(end0, toMs);
            if (end <= start) continue;

            var owner = new ReportAgent(0, span.AgentId, span.Host, span.Person, span.Team);
            var category = categories?.Classify(span.App, span.Title, span.Context);
            if (!byDay)
            {
                totals.Add(owner, span.App, null, span.Context, category, null, end - start);
                continue;
            }

            while (start < end)
            {
                var day = LocalDay(start, timeZone, dayStartHour);
                var pieceEnd = Math.Min(end, NextLocalMidnightMs(day, timeZone, dayStartHour));
                totals.Add(owner, span.App, day.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture), span.Context, category, null, pieceEnd - start);
                start = pieceEnd;
            }
        }
        return totals.ToResult(from, to, timeZone, maxRows);
    }

    /// <summary>
    /// The time each span counts for: an agent's overlapping spans cut apart (the earlier-starting one
    /// keeps the shared time), then a person's devices by <see cref="ForegroundDevice"/>.
    /// </summary>
    private static IEnumerable<(ReportSpan Span, long StartMs, long EndMs)> CountedPieces(IEnumerable<ReportSpan> spans, CancellationToken ct)
    {
        var seen = 0;
        foreach (var person in spans.GroupBy(s => s.Person, StringComparer.Ordinal))
        {
            var pieces = new List<DeviceSpan<ReportSpan>>();
            foreach (var agent in person.GroupBy(s => s.AgentId, StringComparer.Ordinal))
            {
                var coveredUntil = long.MinValue;
                foreach (var span in agent.OrderBy(s => s.StartMs))
                {
                    if ((++seen & 0xfff) == 0) ct.ThrowIfCancellationRequested();
                    var start = Math.Max(span.StartMs, coveredUntil);
                    coveredUntil = Math.Max(coveredUntil, span.EndMs);
                    if (span.EndMs > start) pieces.Add(new DeviceSpan<ReportSpan>(span.AgentId, start, start, span.EndMs, span));
                }
            }
            foreach (var piece in ForegroundDevice.Split(pieces))
                if (piece.Counted) yield return (piece.Payload, piece.StartMs, piece.EndMs);
        }
    }

    /// <summary>The local day <paramref name="utcMs"/> is in, for days that start at <paramref name="dayStartHour"/>:00 (4: 02:00 is in the day before).</summary>
    public static DateOnly LocalDay(long utcMs, TimeZoneInfo tz, int dayStartHour = 0) =>
        DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(DateTimeOffset.FromUnixTimeMilliseconds(utcMs), tz).DateTime.AddHours(-dayStartHour));

    /// <summary>Where the day after <paramref name="day"/> starts: <paramref name="dayStartHour"/>:00 local time (midnight by default).</summary>
    public static long NextLocalMidnightMs(DateOnly day, TimeZoneInfo tz, int dayStartHour = 0)
    {
        var local = day.AddDays(1).ToDateTime(new TimeOnly(dayStartHour, 0), DateTimeKind.Unspecified);
        // Where that hour does not exist (a DST jump), the day starts at the first valid minute.
        while (tz.IsInvalidTime(local)) local = local.AddMinutes(15);
        // Where it happens twice (a DST end at that hour), the day starts the first time: LocalDay puts
        // the instants from there in the next day already, and the two must agree.
        var offset = tz.IsAmbiguousTime(local) ? tz.GetAmbiguousTimeOffsets(local).Max() : tz.GetUtcOffset(local);
        return new DateTimeOffset(local, offset).ToUnixTimeMilliseconds();
    }
}
