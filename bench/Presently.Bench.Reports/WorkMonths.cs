using Presently.Protocol;

namespace Presently.Bench.Reports;

/// <summary>
/// Realistic working months, seeded: each person uses 5–12 apps, works weekdays from about 9 to
/// about 17:30 with a lunch break, switches app every 5 s to 2 min (about 500 spans a day, as in the
/// data the store issue measured: 10 people × 22 workdays ≈ 112 k spans) and is idle now and then.
/// A person's spans are made again on demand from the seed, so a year of 100 people never sits in
/// memory; the ground truth (active milliseconds per person, app and day) is kept as they are made.
/// </summary>
public sealed class WorkMonths
{
    private static readonly string[] Apps =
    [
        "code", "firefox", "slack", "terminal", "zoom", "thunderbird", "rider", "chromium", "spotify",
        "libreoffice", "figma", "obsidian", "postman", "teams", "gimp", "inkscape",
    ];

    private readonly int _seed;

    public WorkMonths(int people, int workdays, int seed, DateOnly firstDay)
    {
        People = people;
        _seed = seed;
        var day = firstDay;
        for (var d = 0; d < workdays; day = day.AddDays(1))
        {
            if (day.DayOfWeek is DayOfWeek.Saturday or DayOfWeek.Sunday) continue;
            Workdays.Add(day);
            d++;
        }
    }

    public int People { get; }

    public List<DateOnly> Workdays { get; } = [];

    /// <summary>Active milliseconds per (person, app, UTC day), filled by <see cref="SpansOf"/> with <c>recordTruth</c>.</summary>
    public Dictionary<(int Person, string App, DateOnly Day), long> DayTruth { get; } = [];

    public long SpanCount { get; private set; }

    public static string PersonName(int p) => $"person-{p:D4}";

    /// <summary>Person <paramref name="p"/>'s spans in time order (span id = start), the same every time.</summary>
    public IEnumerable<SpanRecord> SpansOf(int p, bool recordTruth = false)
    {
        var random = new Random(_seed * 1_000_003 + p);
        var apps = random.GetItems(Apps, random.Next(5, 13)).Distinct().ToArray();
        long seq = 0;
        foreach (var workday in Workdays)
        {
            var midnight = new DateTimeOffset(workday.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero).ToUnixTimeMilliseconds();
            var at = midnight + (long)TimeSpan.FromMinutes(8 * 60 + 30 + random.Next(60)).TotalMilliseconds;
            var lunch = midnight + (long)TimeSpan.FromMinutes(12 * 60 + random.Next(60)).TotalMilliseconds;
            var end = midnight + (long)TimeSpan.FromMinutes(17 * 60 + random.Next(60)).TotalMilliseconds;
            var lunched = false;
            while (at < end)
            {
                if (!lunched && at >= lunch)
                {
                    at += (long)TimeSpan.FromMinutes(30 + random.Next(30)).TotalMilliseconds;
                    lunched = true;
                }
                var length = Math.Min(end - at, (long)(random.Next(5, 110) * 1000L + random.Next(1000)));
                var idle = random.Next(12) == 0;
                var app = apps[random.Next(apps.Length)];
                seq++;
                if (recordTruth)
                {
                    SpanCount++;
                    if (!idle) DayTruth[(p, app, workday)] = DayTruth.GetValueOrDefault((p, app, workday)) + length;
                }
                yield return new SpanRecord(seq, at, at, at + length, idle ? SpanState.Idle : SpanState.Active, app, $"{app} window {random.Next(20)}");
                at += length;
            }
        }
    }
}
