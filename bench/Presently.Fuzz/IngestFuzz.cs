using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Net.WebSockets;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.DependencyInjection;
using Presently.Protocol;
using Presently.Server;
using Presently.Server.Agents;
using Presently.Storage;

namespace Presently.Fuzz;

/// <summary>
/// The semantics of Hello and SpanBatch, not their encoding: a real server on loopback and an
/// enrolled agent that sends well-formed but random frames — clocks off by anything, sequence
/// numbers that go back, spans in 1970 or the future, overlapping, huge, private with titles —
/// across many connections. After the run, whatever was accepted: the server still answers the
/// board and reports, the agent's stored spans never overlap, and no stored time lies outside
/// [enrollment − offline window, now + allowed skew].
/// </summary>
public static partial class IngestFuzz
{
    private const string AdminName = "fuzz-admin";
    private const string AdminPassword = "fuzz-admin-password";
    private static readonly TimeSpan OfflineWindow = TimeSpan.FromDays(2);

    public static FuzzResult Run(int seed, TimeSpan budget, string workDirectory) => RunAsync(seed, budget, workDirectory).GetAwaiter().GetResult();

    private static async Task<FuzzResult> RunAsync(int seed, TimeSpan budget, string workDirectory)
    {
        var failures = new List<string>();
        long inputs = 0, accepted = 0;
        var dataDirectory = Directory.CreateDirectory(Path.Combine(workDirectory, $"ingest-{seed}-{Guid.NewGuid():N}")).FullName;
        var app = PresentlyServer.Build([
            "--urls", "http://127.0.0.1:0",
            "--Presently:DataDirectory", dataDirectory,
            "--Presently:AgentOfflineWindow", OfflineWindow.ToString(),
            "--Presently:AuthAttemptsPerMinute", "1000",
            "--Logging:LogLevel:Default", "None",
        ]);
        await app.StartAsync();
        try
        {
            var baseUri = new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());
            var (agentId, token, enrolledAt) = await EnrollAsync(app, baseUri);
            var agentUri = new UriBuilder(baseUri) { Scheme = "ws", Path = ProtocolConstants.Path }.Uri;
            var m = new Mutator(seed);
            var clock = Stopwatch.StartNew();
            var seq = 0L;
            while (clock.Elapsed < budget && failures.Count < 20)
            {
                try
                {
                    (var sent, var acks, seq) = await ConnectionAsync(m, agentUri, token, agentId, seq);
                    inputs += sent;
                    accepted += acks;
                }
                catch (Exception ex) when (ex is WebSocketException or OperationCanceledException or IOException)
                {
                    // The server closed a connection it had reason to close; the invariants below decide.
                    inputs++;
                }
            }

            await CheckInvariantsAsync(app, baseUri, agentId, enrolledAt, failures);
        }
        catch (Exception ex)
        {
            failures.Add($"{ex.GetType().Name}: {ex.Message}");
        }
        finally
        {
            await app.StopAsync();
            await app.DisposeAsync();
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            Directory.Delete(dataDirectory, recursive: true);
        }
        return new FuzzResult("ingest", inputs, accepted, failures, LargestInputAllocation: null);
    }

    private static async Task<(string AgentId, string Token, DateTimeOffset EnrolledAt)> EnrollAsync(WebApplication app, Uri baseUri)
    {
        var (code, _) = await app.Services.GetRequiredService<EnrollmentCodes>().CreateAsync("fuzz", "fuzz", TimeSpan.FromHours(1));
        var enrolledAt = DateTimeOffset.UtcNow;
        using var http = new HttpClient { BaseAddress = baseUri };
        var response = await http.PostAsJsonAsync("/api/v1/enroll", new { code, host = "fuzz-host", os = "Linux", agentVersion = "1" });
        response.EnsureSuccessStatusCode();
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        return (body.GetProperty("agentId").GetString()!, body.GetProperty("credential").GetString()!, enrolledAt);
    }

    /// <summary>One connection: a Hello (usually plausible), then a few random batches. Returns frames sent, acks seen and the seq to go on from.</summary>
    private static async Task<(long Sent, long Acks, long Seq)> ConnectionAsync(Mutator m, Uri agentUri, string token, string agentId, long seq)
    {
        using var socket = new ClientWebSocket();
        socket.Options.SetRequestHeader("Authorization", "Bearer " + token);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        await socket.ConnectAsync(agentUri, timeout.Token);
        var frames = new FrameSocket(socket);
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        var clock = m.Random.Next(8) switch
        {
            0 => m.Random.NextInt64(long.MinValue, long.MaxValue),
            1 => now - (long)TimeSpan.FromHours(m.Random.Next(-30, 30)).TotalMilliseconds,
            2 => 0,
            _ => now + m.Random.Next(-3000, 3000),
        };
        var id = m.Random.Next(10) == 0 ? agentId + "x" : agentId;
        await frames.SendAsync(new Hello(ProtocolConstants.Version, id, "fuzz", m.RandomText(40, wellFormed: true) is { Length: > 0 } h ? h : "h", "Linux", ["fuzz"], clock), timeout.Token);
        if (await ReceiveAsync(frames, timeout.Token) is not Welcome welcome) return (1, 0, seq);

        long sent = 1, acks = 0;
        seq = Math.Max(seq, welcome.HighestStoredSeq);
        for (var b = m.Random.Next(1, 12); b > 0 && socket.State == WebSocketState.Open; b--)
        {
            var batch = RandomBatch(m, ref seq, welcome.ServerClockMs);
            await frames.SendAsync(batch, timeout.Token);
            sent++;
            if (await ReceiveAsync(frames, timeout.Token) is Ack) acks++;
        }
        await socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "done", timeout.Token);
        return (sent, acks, seq);
    }

    private static SpanBatch RandomBatch(Mutator m, ref long seq, long serverNow)
    {
        var count = m.Random.Next(1, 9);
        var spans = new SpanRecord[count];
        for (var i = 0; i < count; i++)
        {
            // Mostly plausible, so that much is stored; each field sometimes absurd.
            seq = m.Random.Next(16) switch
            {
                0 => Math.Max(1, seq - m.Random.Next(0, 50)), // goes back
                1 => m.Random.NextInt64(long.MinValue, long.MaxValue),
                _ => seq + 1,
            };
            var start = m.Random.Next(16) switch
            {
                0 => m.Random.NextInt64(-1, long.MaxValue),
                1 => serverNow - (long)TimeSpan.FromDays(m.Random.Next(0, 400)).TotalMilliseconds,
                2 => serverNow + m.Random.Next(0, 3_600_000),
                _ => serverNow - m.Random.Next(0, 86_400_000),
            };
            var length = m.Random.Next(16) == 0 ? m.Random.NextInt64(-1000, long.MaxValue / 2) : m.Random.Next(0, 3_600_000);
            var state = m.Random.Next(16) == 0 ? (SpanState)m.Random.Next(0, 256) : m.Random.Next(8) == 0 ? SpanState.Idle : SpanState.Active;
            var spanId = m.Random.Next(4) == 0 ? m.Random.Next(1, 20) : seq;
            // As a real agent does: announce a span with no time yet, then send it again longer.
            if (m.Random.Next(4) == 0 && i + 1 < count)
            {
                spans[i++] = new SpanRecord(seq, spanId, start, start, SpanState.Active, "announced", null, null);
                seq++;
            }
            var private_ = m.Random.Next(16) == 0;
            spans[i] = new SpanRecord(seq, spanId, start, start + length, private_ ? SpanState.Private : state,
                private_ && m.Random.Next(2) == 0 ? null : m.RandomText(300),
                m.Random.Next(3) == 0 ? null : m.RandomText(m.Random.Next(16) == 0 ? 1100 : 200),
                m.Random.Next(4) == 0 ? m.RandomContext() : null);
        }
        return new SpanBatch(spans);
    }

    private static async Task<IMessage?> ReceiveAsync(FrameSocket frames, CancellationToken ct)
    {
        if (await frames.ReceiveAsync(ct) != ReceiveOutcome.Frame) return null;
        return FrameCodec.Decode(frames.Frame).Message;
    }

    private static async Task CheckInvariantsAsync(WebApplication app, Uri baseUri, string agentId, DateTimeOffset enrolledAt, List<string> failures)
    {
        var store = app.Services.GetRequiredService<ISpanStore>();
        var now = DateTimeOffset.UtcNow;
        var spans = (await store.GetSpansAsync(agentId)).OrderBy(s => s.Start).ToList();
        var earliest = enrolledAt - OfflineWindow - TimeSpan.FromSeconds(5); // enrollment time as the server saw it, give or take
        var latest = now + ProtocolConstants.MaxFutureSkew;
        // Sorted by start, a span overlaps an earlier one exactly when it starts before the latest end so far.
        var coveredUntil = DateTimeOffset.MinValue;
        StoredSpan? reaching = null;
        foreach (var s in spans)
        {
            if (s.Start < earliest || s.End > latest) failures.Add($"span {s.SpanId} [{s.Start:O}, {s.End:O}) lies outside [{earliest:O}, {latest:O}]");
            if (s.End <= s.Start) continue;
            if (s.Start < coveredUntil) failures.Add($"spans {reaching!.SpanId} and {s.SpanId} of one agent overlap");
            if (s.End > coveredUntil) (coveredUntil, reaching) = (s.End, s);
        }

        using var admin = await SignInAdminAsync(app, baseUri);
        var board = await admin.GetAsync("/");
        if (board.StatusCode != HttpStatusCode.OK) failures.Add($"the board answered {(int)board.StatusCode}");
        var report = await admin.GetAsync($"/api/v1/report?from={(now - TimeSpan.FromDays(10)):yyyy-MM-dd}&to={(now + TimeSpan.FromDays(2)):yyyy-MM-dd}&groupBy=agent");
        if (report.StatusCode != HttpStatusCode.OK)
        {
            failures.Add($"the report answered {(int)report.StatusCode}");
            return;
        }
        var json = await report.Content.ReadFromJsonAsync<JsonElement>();
        var seconds = json.GetProperty("rows").EnumerateArray().Sum(r => r.GetProperty("seconds").GetDouble());
        if (seconds > (latest - earliest).TotalSeconds) failures.Add($"the report counts {seconds:0} s for one agent in {(latest - earliest).TotalSeconds:0} s of wall-clock time");
    }

    private static async Task<HttpClient> SignInAdminAsync(WebApplication app, Uri baseUri)
    {
        var accounts = app.Services.GetRequiredService<IAccountStore>();
        var person = await accounts.SavePersonAsync(AdminName, Role.Admin, null);
        await accounts.SetPasswordAsync(person.Id, app.Services.GetRequiredService<IPasswordHasher<Person>>().HashPassword(person, AdminPassword));
        var http = new HttpClient(new HttpClientHandler { CookieContainer = new CookieContainer(), AllowAutoRedirect = false }) { BaseAddress = baseUri };
        var form = await http.GetStringAsync("/login");
        var token = WebUtility.HtmlDecode(AntiforgeryToken().Match(form).Groups[1].Value);
        var response = await http.PostAsync("/login", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["name"] = AdminName, ["password"] = AdminPassword, ["returnUrl"] = "/", ["__RequestVerificationToken"] = token,
        }));
        if (response.StatusCode != HttpStatusCode.Redirect) throw new InvalidOperationException($"fuzz admin sign-in answered {(int)response.StatusCode}");
        return http;
    }

    [GeneratedRegex("name=\"__RequestVerificationToken\" value=\"([^\"]+)\"")]
    private static partial Regex AntiforgeryToken();
}
