using Presently.Protocol;
using Presently.Storage.Categories;

namespace Presently.Storage.Rollups;

/// <summary>One rollup row's key: an agent's time in an app during one UTC hour, optionally per value of one context key.</summary>
public readonly record struct RollupKey(long AgentKey, long Hour, string App, string? ContextKey, string? Value);

/// <summary>
/// Changes to the rollups collected while spans are written, applied in the same transaction. A
/// stored span adds its active time to the hours it covers; a new version of it first takes the
/// old version's time away (new minus old), so re-delivery and extension never count twice.
/// </summary>
/// <param name="categories">The rules that put active time in categories: each span's category is a row of the
/// context rollups under <see cref="CategoryKey"/> (time in no category has none).</param>
/// <param name="categoriesOnly">Only the category rows (a rebuild of them after the rules changed).</param>
public sealed class RollupDelta(CategoryRules? categories = null, bool categoriesOnly = false)
{
    public const long HourMs = 3_600_000;

    /// <summary>The context rollups' key for categories: not a context key an agent can send (those are <see cref="ContextKeys"/>).</summary>
    public const string CategoryKey = "@category";

    /// <summary>
    /// Context keys with a rollup of their own. The others (a tab's title, a file, a track) take a
    /// new value every few minutes: a rollup of them would be as large as the spans, so reports
    /// grouped by them read spans.
    /// </summary>
    public static readonly IReadOnlyList<string> RolledUpContextKeys =
        [ContextKeys.Site, ContextKeys.Project, ContextKeys.Command, ContextKeys.Player, ContextKeys.Artist];

    /// <summary>Rollups store an unknown app as the empty string (a key column cannot be null).</summary>
    public static string AppKey(string? app) => app ?? "";

    private readonly Dictionary<RollupKey, long> _hours = [];

    public int Count => _hours.Count;

    public bool IsEmpty => _hours.Count == 0;

    /// <summary>Adds (sign +1) or takes away (sign −1) an active span's time, hour by hour.</summary>
    public void Add(long agentKey, long startMs, long endMs, string? app, string? title, SpanContext? context, int sign)
    {
        var appKey = AppKey(app);
        var category = categories?.Classify(app, title, context);
        for (var start = startMs; start < endMs;)
        {
            var hour = Math.DivRem(start, HourMs, out var rem);
            if (rem < 0) hour--;
            var end = Math.Min(endMs, (hour + 1) * HourMs);
            var ms = sign * (end - start);
            if (category is not null) Bump(new RollupKey(agentKey, hour, appKey, CategoryKey, category), ms);
            if (!categoriesOnly)
            {
                Bump(new RollupKey(agentKey, hour, appKey, null, null), ms);
                if (context is not null)
                    foreach (var key in RolledUpContextKeys)
                        if (context[key] is { } value) Bump(new RollupKey(agentKey, hour, appKey, key, value), ms);
            }
            start = end;
        }
    }

    private void Bump(RollupKey key, long ms)
    {
        ref var total = ref System.Runtime.InteropServices.CollectionsMarshal.GetValueRefOrAddDefault(_hours, key, out _);
        total += ms;
    }

    /// <summary>The changes per hour, without the ones that cancelled out.</summary>
    public IEnumerable<KeyValuePair<RollupKey, long>> Hours => _hours.Where(e => e.Value != 0);

    /// <summary>The same changes summed per UTC day (the key's Hour holds the day number).</summary>
    public IEnumerable<KeyValuePair<RollupKey, long>> Days
    {
        get
        {
            var days = new Dictionary<RollupKey, long>();
            foreach (var (k, ms) in _hours)
            {
                ref var total = ref System.Runtime.InteropServices.CollectionsMarshal.GetValueRefOrAddDefault(days, k with { Hour = Math.DivRem(k.Hour, 24, out var r) - (r < 0 ? 1 : 0) }, out _);
                total += ms;
            }
            return days.Where(e => e.Value != 0);
        }
    }

    public void Clear() => _hours.Clear();
}
