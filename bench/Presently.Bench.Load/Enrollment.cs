using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace Presently.Bench.Load;

/// <summary>One enrolled computer: what presently-agent keeps in its credential file.</summary>
public sealed record AgentCredential(string AgentId, string Credential, string Person, string Host);

/// <summary>
/// Enrolls agents through the server's real path: an admin creates a one-time code on the Enrollment
/// page (<c>POST /admin/codes</c>, as a browser would), and the agent redeems it at <c>POST /api/v1/enroll</c>
/// (as <c>presently-agent enroll</c> does). Credentials can be kept in a file and reused by a later run
/// against the same data, since enrolling ten thousand agents takes minutes.
/// </summary>
public static partial class Enrollment
{
    public const string CacheFile = "bench-load-agents.tsv";

    /// <summary>Person and host of agent <paramref name="index"/>: the first people have two computers, the rest one.</summary>
    public static (string Person, string Host) Identity(int index, int agents, int twoComputerPercent)
    {
        var pairs = (int)Math.Round(agents * twoComputerPercent / 100.0 / (1 + twoComputerPercent / 100.0));
        var inPairs = 2 * pairs;
        var person = index < inPairs ? index / 2 : pairs + (index - inPairs);
        var host = index < inPairs && index % 2 == 1 ? "desktop" : "laptop";
        return ($"person-{person + 1:D5}", $"{host}-{index + 1:D5}");
    }

    public static List<AgentCredential> ReadCache(string? folder)
    {
        if (folder is null || !File.Exists(Path.Combine(folder, CacheFile))) return [];
        return [.. File.ReadLines(Path.Combine(folder, CacheFile))
            .Select(l => l.Split('\t'))
            .Where(f => f.Length == 4)
            .Select(f => new AgentCredential(f[0], f[1], f[2], f[3]))];
    }

    /// <summary>Enrolls agents until <paramref name="agents"/> are known (reusing <paramref name="known"/> first).</summary>
    public static async Task<(List<AgentCredential> Agents, EnrollStats Stats)> EnsureAsync(WebSession admin, List<AgentCredential> known, LoadOptions options,
        string? cacheFolder, TextWriter log, CancellationToken ct)
    {
        var result = new AgentCredential[options.Agents];
        var reused = Math.Min(known.Count, options.Agents);
        for (var i = 0; i < reused; i++) result[i] = known[i];
        var stats = new EnrollStats { Reused = reused };
        if (reused == options.Agents) return ([.. result], stats);

        using var agentHttp = new HttpClient { BaseAddress = admin.BaseUri, Timeout = TimeSpan.FromSeconds(60) };
        var token = (await admin.WithTokenAsync("/admin/codes", [], ct)).GetValueOrDefault("__RequestVerificationToken")
            ?? throw new InvalidOperationException("no antiforgery token on /admin/codes: is the admin signed in?");
        var clock = Stopwatch.StartNew();
        var next = reused - 1;
        var done = 0;
        var lastReport = TimeSpan.Zero;
        var cache = cacheFolder is null ? null : new StreamWriter(Path.Combine(cacheFolder, CacheFile), append: true);
        var cacheLock = new Lock();
        try
        {
            async Task Worker()
            {
                while (Interlocked.Increment(ref next) is var i && i < options.Agents)
                {
                    var (person, host) = Identity(i, options.Agents, options.TwoComputerPercent);
                    var code = await CreateCodeAsync(admin, token, person, stats, ct);
                    var credential = await RedeemAsync(agentHttp, code, host, stats, ct);
                    result[i] = credential with { Person = person, Host = host };
                    lock (cacheLock)
                    {
                        cache?.WriteLine($"{credential.AgentId}\t{credential.Credential}\t{person}\t{host}");
                        var count = ++done;
                        if (clock.Elapsed - lastReport >= TimeSpan.FromSeconds(10))
                        {
                            lastReport = clock.Elapsed;
                            log.WriteLine($"  enrolled {count:N0} of {options.Agents - reused:N0} in {clock.Elapsed.TotalSeconds:0} s");
                        }
                    }
                }
            }
            await Task.WhenAll(Enumerable.Range(0, Math.Max(1, options.EnrollParallelism)).Select(_ => Task.Run(Worker, ct)));
        }
        finally
        {
            if (cache is not null) await cache.DisposeAsync();
        }
        stats.Enrolled = options.Agents - reused;
        stats.Elapsed = clock.Elapsed;
        return ([.. result], stats);
    }

    private static async Task<string> CreateCodeAsync(WebSession admin, string token, string person, EnrollStats stats, CancellationToken ct)
    {
        for (var attempt = 0; ; attempt++)
        {
            using var response = await admin.Http.PostAsync("/admin/codes", new FormUrlEncodedContent(new Dictionary<string, string>
            {
                ["person"] = person, ["hours"] = "24", ["__RequestVerificationToken"] = token,
            }), ct);
            var html = await response.Content.ReadAsStringAsync(ct);
            if (response.StatusCode == HttpStatusCode.OK && NewCode().Match(html) is { Success: true } m) return m.Groups[1].Value;
            if (attempt >= 3) throw new InvalidOperationException($"creating a code for {person} failed: {(int)response.StatusCode} {WebSession.Shorten(html)}");
            Interlocked.Increment(ref stats.Retries);
            await Task.Delay(TimeSpan.FromSeconds(1), ct);
        }
    }

    private static async Task<AgentCredential> RedeemAsync(HttpClient http, string code, string host, EnrollStats stats, CancellationToken ct)
    {
        for (var attempt = 0; ; attempt++)
        {
            using var response = await http.PostAsJsonAsync("/api/v1/enroll", new { code, host, os = "Linux (load simulator)", agentVersion = "0.1.0-bench" }, ct);
            if (response.IsSuccessStatusCode)
            {
                var body = await response.Content.ReadFromJsonAsync<JsonElement>(ct);
                return new AgentCredential(body.GetProperty("agentId").GetString()!, body.GetProperty("credential").GetString()!,
                    body.GetProperty("person").GetString()!, host);
            }
            if (response.StatusCode == HttpStatusCode.TooManyRequests && attempt < 100)
            {
                // Enrollment is limited per address (Presently:AuthAttemptsPerMinute): wait for the next window.
                Interlocked.Increment(ref stats.Throttled);
                var wait = response.Headers.RetryAfter?.Delta ?? TimeSpan.FromSeconds(2);
                await Task.Delay(wait, ct);
                continue;
            }
            throw new InvalidOperationException($"enrolling {host} failed: {(int)response.StatusCode} {WebSession.Shorten(await response.Content.ReadAsStringAsync(ct))}");
        }
    }

    [GeneratedRegex("id=\"new-code\">([0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4})<")]
    private static partial Regex NewCode();
}

public sealed class EnrollStats
{
    public int Reused;
    public int Enrolled;
    public long Throttled;
    public long Retries;
    public TimeSpan Elapsed;

    public string Describe() => Enrolled == 0
        ? $"{Reused:N0} reused from an earlier run, none enrolled"
        : $"{Enrolled:N0} enrolled in {Elapsed.TotalSeconds:0.0} s ({Enrolled / Math.Max(Elapsed.TotalSeconds, 0.001):0} per s; code on /admin/codes + POST /api/v1/enroll each)" +
          (Reused > 0 ? $", {Reused:N0} reused" : "") +
          (Throttled > 0 ? $", {Throttled:N0} times told 429 and waited" : "") +
          (Retries > 0 ? $", {Retries:N0} retries" : "");

    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{Describe()}");
}
