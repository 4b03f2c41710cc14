using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.DependencyInjection;
using Presently.Protocol;
using Presently.Server;
using Presently.Storage;

namespace Presently.Bench.Reports;

/// <summary>
/// Loads <see cref="WorkMonths"/> through the store's ingest path (the group commit agents' batches
/// go through), then times the hours report over HTTP as a signed-in admin: the whole period by
/// person and app, and single days early, in the middle and late in the history. Every answer is
/// checked against the ground truth, to the millisecond.
/// </summary>
public static partial class ReportsBenchmark
{
    private const string Admin = "bench-admin";
    private const string Password = "bench-admin-password-123";

    public static async Task<int> RunAsync(int people, int workdays, int seed, int runs, string root, string? postgres)
    {
        var months = new WorkMonths(people, workdays, seed, new DateOnly(2026, 3, 2));
        Console.WriteLine($"data:     {people} people × {months.Workdays.Count} workdays ({months.Workdays[0]:yyyy-MM-dd} to {months.Workdays[^1]:yyyy-MM-dd}), store {(postgres is null ? "SQLite" : "PostgreSQL")}");

        string[] storeArgs = postgres is null ? [] : ["--Presently:Storage:Provider", "Postgres", "--Presently:Storage:PostgresConnectionString", postgres];
        var app = PresentlyServer.Build(["--urls", "http://127.0.0.1:0", "--Presently:DataDirectory", root, "--Logging:LogLevel:Default", "Warning", .. storeArgs]);
        await app.StartAsync();
        try
        {
            var store = app.Services.GetRequiredService<ISpanStore>();
            var loading = Stopwatch.StartNew();
            await LoadAsync(store, months);
            Console.WriteLine($"load:     {months.SpanCount:N0} spans generated and stored through the store's ingest in {loading.Elapsed.TotalSeconds:0.0} s ({months.SpanCount / loading.Elapsed.TotalSeconds:N0} spans/s, rollups on)");
            var bytes = postgres is null ? Directory.GetFiles(root, "presently.db*").Sum(f => new FileInfo(f).Length) : await PostgresBytesAsync(postgres);
            Console.WriteLine($"size:     {bytes / 1e6:0.0} MB ({(postgres is null ? "SQLite database and WAL" : "pg_database_size")}), {bytes / (double)months.SpanCount:0} B/span with titles, rollups and indexes");

            var baseUri = new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());
            using var http = await SignInAsync(app, baseUri);
            var days = months.Workdays;
            var middle = days[days.Count / 2];
            var utc = (DateOnly d) => new DateTimeOffset(d.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero);
            var partialFrom = utc(middle).AddHours(10).AddMinutes(17).AddSeconds(23.456);
            var partialTo = utc(middle).AddHours(15).AddMinutes(42).AddSeconds(10.789);
            var queries = new List<(string Name, string Url, Func<string, bool> Check)>
            {
                ("whole period, person × app", Url(Iso(days[0]), Iso(days[^1].AddDays(1)), "person,app", "UTC"), b => CheckDays(b, months, days[0], days[^1].AddDays(1))),
                ($"first day ({days[0]:yyyy-MM-dd})", Url(Iso(days[0]), Iso(days[0].AddDays(1)), "person,app", "UTC"), b => CheckDays(b, months, days[0], days[0].AddDays(1))),
                ($"middle day ({middle:yyyy-MM-dd})", Url(Iso(middle), Iso(middle.AddDays(1)), "person,app", "UTC"), b => CheckDays(b, months, middle, middle.AddDays(1))),
                ($"last day ({days[^1]:yyyy-MM-dd})", Url(Iso(days[^1]), Iso(days[^1].AddDays(1)), "person,app", "UTC"), b => CheckDays(b, months, days[^1], days[^1].AddDays(1))),
                ("middle day 10:17:23.456–15:42:10.789 (edges from spans)", Url(partialFrom.ToString("O", CultureInfo.InvariantCulture), partialTo.ToString("O", CultureInfo.InvariantCulture), "person,app", "UTC"),
                    b => CheckInstants(b, months, partialFrom, partialTo)),
                ("whole period by day in Europe/Berlin, app × day", Url(Iso(days[0]), Iso(days[^1].AddDays(1)), "app,day", "Europe/Berlin"),
                    b => CheckTotal(b, months, BerlinMidnight(days[0]), BerlinMidnight(days[^1].AddDays(1)))),
                ("whole period, person × category", Url(Iso(days[0]), Iso(days[^1].AddDays(1)), "person,category", "UTC"),
                    b => CheckTotal(b, months, utc(days[0]), utc(days[^1].AddDays(1)))),
                ("middle day 10:17:23.456–15:42:10.789, category (edges)", Url(partialFrom.ToString("O", CultureInfo.InvariantCulture), partialTo.ToString("O", CultureInfo.InvariantCulture), "category", "UTC"),
                    b => CheckTotal(b, months, partialFrom, partialTo)),
            };
            Console.WriteLine();
            Console.WriteLine($"{"report (GET /api/v1/report, warm)",-58} {"median",9} {"min",9} {"max",9}  exact");
            var allExact = true;
            using var self = Process.GetCurrentProcess();
            GC.Collect();
            var (peakWorkingSet, peakHeap) = (0L, 0L);
            using var sampling = new CancellationTokenSource();
            var sampler = Task.Run(async () =>
            {
                using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(20));
                while (await timer.WaitForNextTickAsync(sampling.Token).ConfigureAwait(false))
                {
                    self.Refresh();
                    peakWorkingSet = Math.Max(peakWorkingSet, self.WorkingSet64);
                    peakHeap = Math.Max(peakHeap, GC.GetTotalMemory(false));
                }
            });
            foreach (var (name, url, check) in queries)
            {
                var body = await http.GetStringAsync(url); // warm-up, and the answer checked
                var exact = check(body);
                allExact &= exact;
                var times = new List<double>();
                for (var i = 0; i < runs; i++)
                {
                    var sw = Stopwatch.StartNew();
                    using var response = await http.GetAsync(url);
                    await response.Content.ReadAsByteArrayAsync();
                    times.Add(sw.Elapsed.TotalMilliseconds);
                    response.EnsureSuccessStatusCode();
                }
                times.Sort();
                Console.WriteLine($"{name,-58} {times[times.Count / 2],6:0.0} ms {times[0],6:0.0} ms {times[^1],6:0.0} ms  {(exact ? "yes" : "NO")}");
            }
            await sampling.CancelAsync();
            try { await sampler; } catch (OperationCanceledException) { }
            // An admin changes the categories: the category rollups of the whole history are summed again.
            var categories = app.Services.GetRequiredService<Presently.Storage.Categories.ICategoryStore>();
            await categories.CreateCategoryAsync(new Presently.Storage.Categories.Category(0, "Work/Review", "review|pull request", Presently.Storage.Categories.CategoryField.Title, null, 1));
            var rebuilding = Stopwatch.StartNew();
            await store.RefreshCategoriesAsync();
            Console.WriteLine($"{"categories changed: category rollups summed again",-58} {rebuilding.Elapsed.TotalMilliseconds,6:0} ms (ingest waits meanwhile)");
            Console.WriteLine();
            Console.WriteLine($"during reports: process working set peak {peakWorkingSet / 1048576.0:0} MiB, managed heap peak {peakHeap / 1048576.0:0} MiB (server and benchmark in one process)");
            return allExact ? 0 : 1;
        }
        finally
        {
            await app.StopAsync();
            await app.DisposeAsync();
        }
    }

    private static string Iso(DateOnly d) => d.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    private static string Url(string from, string to, string groupBy, string tz) =>
        $"/api/v1/report?from={Uri.EscapeDataString(from)}&to={Uri.EscapeDataString(to)}&groupBy={groupBy}&tz={Uri.EscapeDataString(tz)}";

    private static DateTimeOffset BerlinMidnight(DateOnly day)
    {
        var berlin = TimeZoneInfo.FindSystemTimeZoneById("Europe/Berlin");
        var local = day.ToDateTime(TimeOnly.MinValue);
        return new DateTimeOffset(local, berlin.GetUtcOffset(local));
    }

    private static async Task<long> PostgresBytesAsync(string connectionString)
    {
        await using var source = Npgsql.NpgsqlDataSource.Create(connectionString);
        await using var cmd = source.CreateCommand("SELECT pg_database_size(current_database())");
        return (long)(await cmd.ExecuteScalarAsync())!;
    }

    /// <summary>Each person an agent; batches of the protocol's size, a few agents per group commit as ingest does.</summary>
    private static async Task LoadAsync(ISpanStore store, WorkMonths months)
    {
        for (var p = 0; p < months.People; p++)
        {
            var registration = new AgentRegistration($"agent-{p:D4}", WorkMonths.PersonName(p), $"host-{p:D4}", "Linux", "bench", ["bench"], DateTimeOffset.UtcNow, 0);
            if (await store.RegisterAgentAsync(registration, sharedCredential: true) is null) throw new InvalidOperationException($"agent {p} not registered");
        }
        var pending = new List<IngestBatch>();
        for (var p = 0; p < months.People; p++)
        {
            foreach (var chunk in months.SpansOf(p, recordTruth: true).Chunk(ProtocolConstants.MaxSpansPerBatch))
            {
                pending.Add(new IngestBatch($"agent-{p:D4}", chunk));
                if (pending.Count < 8) continue;
                await store.CommitAsync(pending);
                pending.Clear();
            }
        }
        if (pending.Count > 0) await store.CommitAsync(pending);
    }

    private static bool CheckDays(string body, WorkMonths months, DateOnly from, DateOnly to)
    {
        var expected = new Dictionary<(string, string), long>();
        foreach (var ((p, app, day), ms) in months.DayTruth)
            if (day >= from && day < to) expected[(WorkMonths.PersonName(p), app)] = expected.GetValueOrDefault((WorkMonths.PersonName(p), app)) + ms;
        return CheckPersonApp(body, expected);
    }

    /// <summary>Against the spans made again and cut to the period: exact to the millisecond at any bound.</summary>
    private static bool CheckInstants(string body, WorkMonths months, DateTimeOffset from, DateTimeOffset to)
    {
        var expected = new Dictionary<(string, string), long>();
        foreach (var (p, app, ms) in Clipped(months, from, to))
            expected[(WorkMonths.PersonName(p), app)] = expected.GetValueOrDefault((WorkMonths.PersonName(p), app)) + ms;
        return CheckPersonApp(body, expected);
    }

    private static bool CheckTotal(string body, WorkMonths months, DateTimeOffset from, DateTimeOffset to)
    {
        using var json = JsonDocument.Parse(body);
        return Math.Abs(json.RootElement.GetProperty("totalSeconds").GetDouble() * 1000 - Clipped(months, from, to).Sum(c => c.Ms)) < 0.5;
    }

    private static IEnumerable<(int Person, string App, long Ms)> Clipped(WorkMonths months, DateTimeOffset from, DateTimeOffset to)
    {
        var (f, t) = (from.ToUnixTimeMilliseconds(), to.ToUnixTimeMilliseconds());
        for (var p = 0; p < months.People; p++)
            foreach (var s in months.SpansOf(p))
                if (s.State == SpanState.Active && Math.Min(s.EndMs, t) > Math.Max(s.StartMs, f))
                    yield return (p, s.App!, Math.Min(s.EndMs, t) - Math.Max(s.StartMs, f));
    }

    private static bool CheckPersonApp(string body, Dictionary<(string, string), long> expected)
    {
        using var json = JsonDocument.Parse(body);
        var total = json.RootElement.GetProperty("totalSeconds").GetDouble();
        var exactTotal = Math.Abs(total * 1000 - expected.Values.Sum()) < 0.5;
        if (json.RootElement.GetProperty("foldedGroups").GetInt32() > 0) return exactTotal;
        var got = new Dictionary<(string, string), long>();
        foreach (var row in json.RootElement.GetProperty("rows").EnumerateArray())
            got[(row.GetProperty("person").GetString()!, row.GetProperty("app").GetString()!)] = (long)Math.Round(row.GetProperty("seconds").GetDouble() * 1000);
        return exactTotal && got.Count == expected.Count && expected.All(e => got.GetValueOrDefault(e.Key) == e.Value);
    }

    /// <summary>An admin account, signed in through the login form like a browser (antiforgery token and cookie).</summary>
    private static async Task<HttpClient> SignInAsync(WebApplication app, Uri baseUri)
    {
        var accounts = app.Services.GetRequiredService<IAccountStore>();
        var person = await accounts.SavePersonAsync(Admin, Role.Admin, null);
        await accounts.SetPasswordAsync(person.Id, app.Services.GetRequiredService<IPasswordHasher<Person>>().HashPassword(person, Password));
        var http = new HttpClient(new HttpClientHandler { CookieContainer = new CookieContainer(), AllowAutoRedirect = false }) { BaseAddress = baseUri };
        var page = await http.GetStringAsync("/login");
        var token = WebUtility.HtmlDecode(TokenField().Match(page).Groups[1].Value);
        using var response = await http.PostAsync("/login", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["name"] = Admin, ["password"] = Password, ["returnUrl"] = "/", ["__RequestVerificationToken"] = token,
        }));
        if ((int)response.StatusCode is not (302 or 303)) throw new InvalidOperationException($"sign-in failed: {(int)response.StatusCode}");
        return http;
    }

    [GeneratedRegex("name=\"__RequestVerificationToken\" value=\"([^\"]+)\"")]
    private static partial Regex TokenField();
}
