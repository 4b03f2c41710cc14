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

    public static async Task<int> RunAsync(int people, int workdays, int seed, int runs, string root)
    {
        var generating = Stopwatch.StartNew();
        var months = new WorkMonths(people, workdays, seed, new DateOnly(2026, 3, 2));
        Console.WriteLine($"generate: {months.SpanCount:N0} spans for {people} people × {months.Workdays.Count} workdays ({months.Workdays[0]:yyyy-MM-dd} to {months.Workdays[^1]:yyyy-MM-dd}) in {generating.Elapsed.TotalSeconds:0.0} s");

        var app = PresentlyServer.Build(["--urls", "http://127.0.0.1:0", "--Presently:DataDirectory", root, "--Logging:LogLevel:Default", "Warning"]);
        await app.StartAsync();
        try
        {
            var store = app.Services.GetRequiredService<ISpanStore>();
            var loading = Stopwatch.StartNew();
            await LoadAsync(store, months);
            Console.WriteLine($"load:     {months.SpanCount:N0} spans through the store's ingest in {loading.Elapsed.TotalSeconds:0.0} s ({months.SpanCount / loading.Elapsed.TotalSeconds:N0} spans/s)");
            var bytes = Directory.GetFiles(root, "presently.db*").Sum(f => new FileInfo(f).Length);
            Console.WriteLine($"SQLite:   {bytes / 1e6:0.0} MB (database and WAL), {bytes / (double)months.SpanCount:0} B/span with titles");

            var baseUri = new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());
            using var http = await SignInAsync(app, baseUri);
            GC.Collect();
            var days = months.Workdays;
            var queries = new List<(string Name, DateOnly From, DateOnly To)>
            {
                ("whole period, person × app", days[0], days[^1].AddDays(1)),
                ($"first day ({days[0]:yyyy-MM-dd})", days[0], days[0].AddDays(1)),
                ($"middle day ({days[days.Count / 2]:yyyy-MM-dd})", days[days.Count / 2], days[days.Count / 2].AddDays(1)),
                ($"last day ({days[^1]:yyyy-MM-dd})", days[^1], days[^1].AddDays(1)),
            };
            Console.WriteLine();
            Console.WriteLine($"{"report (GET /api/v1/report, groupBy=person,app, tz=UTC)",-58} {"median",9} {"min",9} {"max",9}  exact");
            var allExact = true;
            foreach (var (name, from, to) in queries)
            {
                var url = $"/api/v1/report?from={from:yyyy-MM-dd}&to={to:yyyy-MM-dd}&groupBy=person,app&tz=UTC";
                var body = await http.GetStringAsync(url); // warm-up, and the answer checked
                var exact = Check(body, months, from, to);
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
            using var self = Process.GetCurrentProcess();
            Console.WriteLine();
            Console.WriteLine($"process peak working set: {self.PeakWorkingSet64 / 1048576.0:0} MiB (generator, load and server in one process)");
            return allExact ? 0 : 1;
        }
        finally
        {
            await app.StopAsync();
            await app.DisposeAsync();
        }
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
            foreach (var chunk in months.Spans[p].Chunk(ProtocolConstants.MaxSpansPerBatch))
            {
                pending.Add(new IngestBatch($"agent-{p:D4}", chunk));
                if (pending.Count < 8) continue;
                await store.CommitAsync(pending);
                pending.Clear();
            }
        }
        if (pending.Count > 0) await store.CommitAsync(pending);
    }

    private static bool Check(string body, WorkMonths months, DateOnly from, DateOnly to)
    {
        var expected = new Dictionary<(string, string), long>();
        foreach (var ((p, app, day), ms) in months.DayTruth)
            if (day >= from && day < to) expected[(WorkMonths.PersonName(p), app)] = expected.GetValueOrDefault((WorkMonths.PersonName(p), app)) + ms;
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
