using Presently.Protocol;

namespace Presently.Bench.Reports;

/// <summary>
/// Realistic working months, seeded: each person uses 5–12 apps, works weekdays from about 9 to
/// about 17:30 with a lunch break, switches app every 5 s to 2 min (about 500 spans a day, as in the
/// data the store issue measured: 10 people × 22 workdays ≈ 112 k spans) and is idle now and then.
/// Keeps the ground truth: active milliseconds per (person, app), and per day.
/// </summary>
public sealed class WorkMonths
{
    private static readonly string[] Apps =
    [
        "code", "firefox", "slack", "terminal", "zoom", "thunderbird", "rider", "chromium", "spotify",
        "libreoffice", "figma", "obsidian", "postman", "teams", "gimp", "inkscape",
    ];

    public WorkMonths(int people, int workdays, int seed, DateOnly firstDay)
    {
        People = people;
        var random = new Random(seed);
        var day = firstDay;
        for (var d = 0; d < workdays; day = day.AddDays(1))
        {
            if (day.DayOfWeek is DayOfWeek.Saturday or DayOfWeek.Sunday) continue;
            Workdays.Add(day);
            d++;
        }
        for (var p = 0; p < people; p++)
        {
            var apps = random.GetItems(Apps, random.Next(5, 13)).Distinct().ToArray();
            var spans = new List<SpanRecord>();
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
                    spans.Add(new SpanRecord(seq, at, at, at + length, idle ? SpanState.Idle : SpanState.Active, app, $"{app} window {random.Next(20)}"));
                    if (!idle)
                    {
                        var key = (p, app);
                        Truth[key] = Truth.GetValueOrDefault(key) + length;
                        DayTruth[(p, app, workday)] = DayTruth.GetValueOrDefault((p, app, workday)) + length;
                    }
                    at += length;
                }
            }
            Spans.Add(spans);
        }
    }

    public int People { get; }

    public List<DateOnly> Workdays { get; } = [];

    /// <summary>Per person, their spans in time order (span id = start).</summary>
    public List<List<SpanRecord>> Spans { get; } = [];

    public Dictionary<(int Person, string App), long> Truth { get; } = [];

    public Dictionary<(int Person, string App, DateOnly Day), long> DayTruth { get; } = [];

    public long SpanCount => Spans.Sum(s => (long)s.Count);

    public static string PersonName(int p) => $"person-{p:D4}";
}
