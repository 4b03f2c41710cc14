using System.Net;
using System.Net.Http.Json;
using System.Net.WebSockets;
using System.Security.Claims;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Presently.Protocol;
using Presently.Server.Auth;
using Presently.Storage;
using Presently.Tests.Fixtures;

namespace Presently.Tests.Security;

/// <summary>
/// Personal API tokens end to end: made on the account page, used from a plain HttpClient on
/// /api/v1 as their person, refused everywhere else, revoked at once, bounded and rate limited.
/// </summary>
public sealed partial class ApiTokenTests : IAsyncLifetime
{
    private ServerHost _server = null!;

    public async ValueTask InitializeAsync() => _server = await ServerHost.StartAsync();

    public async ValueTask DisposeAsync() => await _server.DisposeAsync();

    private static HttpClient Bearer(Uri server, string? authorization)
    {
        // Redirects are not followed: a redirect to the sign-in page is the refusal looked for.
        var http = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false, UseCookies = false }) { BaseAddress = server, Timeout = TimeSpan.FromSeconds(30) };
        if (authorization is not null) http.DefaultRequestHeaders.TryAddWithoutValidation("Authorization", authorization);
        return http;
    }

    private HttpClient WithToken(string token) => Bearer(_server.BaseUri, "Bearer " + token);

    private static async Task AssertRefusedAsync(HttpResponseMessage response, string what)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Unauthorized, $"{what}: {(int)response.StatusCode} {body}");
        Assert.Null(response.Headers.Location);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.DoesNotContain('\n', body.TrimEnd());
        Assert.Equal(401, JsonDocument.Parse(body).RootElement.GetProperty("status").GetInt32());
        Assert.Equal("Bearer", response.Headers.WwwAuthenticate.Single().Scheme);
    }

    private async Task SeedAsync(string agentId, string person, string app)
    {
        var t = DateTimeOffset.UtcNow.AddHours(-2);
        await _server.Store.RegisterAgentAsync(new AgentRegistration(agentId, person, "h", "Linux", "1", [], t, 0), sharedCredential: true);
        await _server.Store.CommitAsync([new IngestBatch(agentId, [new SpanRecord(1, 1, t.ToUnixTimeMilliseconds(), t.AddMinutes(30).ToUnixTimeMilliseconds(), SpanState.Active, app, "t", null)])]);
    }

    private static string Since => Uri.EscapeDataString(DateTimeOffset.UtcNow.AddHours(-3).ToString("O"));

    [Fact]
    public async Task A_token_made_on_the_account_page_reads_the_api_as_its_person()
    {
        await SeedAsync("tia-1", "tia", "TiaEditor");
        await SeedAsync("ugo-1", "ugo", "UgoSecretApp");
        var (tiaAgent, _) = await _server.EnrollAsync("tia", "tia-laptop");
        var (ugoAgent, _) = await _server.EnrollAsync("ugo", "ugo-laptop");
        using var tia = await _server.SignInAsync("tia", Role.Member);
        var created = await tia.PostFormAsync("/account", "/account/tokens", new() { ["name"] = "weekly sheet", ["scope"] = "read" });
        Assert.Equal(HttpStatusCode.OK, created.StatusCode);
        // The only response that holds the secret: no cache may keep it.
        Assert.True(created.Headers.CacheControl?.NoStore, "the page with the secret may be cached");
        var token = Regex.Match(await created.Content.ReadAsStringAsync(), "id=\"new-token-secret\">([^<]+)<").Groups[1].Value;
        Assert.Matches("^pat_[A-Za-z0-9_-]{43}$", token);

        // A plain client: no cookie, no antiforgery, only the header.
        using var script = WithToken(token);
        var detail = await script.GetFromJsonAsync<JsonElement>($"/api/v1/report?from={Since}&groupBy=person,app");
        Assert.Equal(["tia"], detail.GetProperty("rows").EnumerateArray().Select(r => r.GetProperty("person").GetString()));
        Assert.DoesNotContain("UgoSecretApp", detail.GetRawText());
        // Of others, what members see: totals per person.
        var totals = await script.GetFromJsonAsync<JsonElement>($"/api/v1/report?from={Since}&groupBy=person");
        Assert.Equal(["tia", "ugo"], totals.GetProperty("rows").EnumerateArray().Select(r => r.GetProperty("person").GetString()).Order());
        var agents = await script.GetStringAsync("/api/v1/agents");
        Assert.Contains(tiaAgent, agents);
        Assert.DoesNotContain(ugoAgent, agents);
        var csv = await script.GetAsync($"/api/v1/report?from={Since}&groupBy=app&format=csv");
        Assert.Equal(HttpStatusCode.OK, csv.StatusCode);
        Assert.Contains("TiaEditor", await csv.Content.ReadAsStringAsync());

        // Listed with its hint and first use, never its secret.
        var page = await tia.Http.GetStringAsync("/account");
        Assert.Contains("weekly sheet", page);
        Assert.Contains(token[..10], page);
        Assert.DoesNotContain(token, page);
        var row = TokenRow().Match(page);
        Assert.True(row.Success, "no row for the token on the account page");
        Assert.DoesNotContain("never", row.Value);
        Assert.Contains("created API token", await _server.Http.GetStringAsync("/admin/audit"));
    }

    [Fact]
    public async Task An_admins_token_sees_everyone_until_the_admin_is_a_member()
    {
        var (ownAgent, _) = await _server.EnrollAsync("ari", "ari-laptop");
        var (otherAgent, _) = await _server.EnrollAsync("bea", "bea-laptop");
        using var ari = await _server.SignInAsync("ari", Role.Admin);
        var token = await ari.CreateApiTokenAsync("dashboard");
        using var dashboard = WithToken(token);
        var all = await dashboard.GetStringAsync("/api/v1/agents");
        Assert.Contains(ownAgent, all);
        Assert.Contains(otherAgent, all);

        // The role is read at every call: demoted, the same token reads as a member.
        await _server.Services.GetRequiredService<IAccountStore>().SavePersonAsync("ari", Role.Member, null);
        var own = await dashboard.GetStringAsync("/api/v1/agents");
        Assert.Contains(ownAgent, own);
        Assert.DoesNotContain(otherAgent, own);
    }

    [Fact]
    public async Task A_revoked_token_and_a_removed_persons_token_are_refused_at_once()
    {
        using var cy = await _server.SignInAsync("cy", Role.Member);
        var token = await cy.CreateApiTokenAsync("cron job");
        using var cron = WithToken(token);
        Assert.Equal(HttpStatusCode.OK, (await cron.GetAsync("/api/v1/agents")).StatusCode);

        var id = RevokeAction().Match(await cy.Http.GetStringAsync("/account")).Groups[1].Value;
        // Nobody else revokes it, not even an admin: a token is its person's own.
        Assert.Equal(HttpStatusCode.NotFound, (await _server.Admin.PostFormAsync("/account", $"/account/tokens/{id}/revoke", [])).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await cron.GetAsync("/api/v1/agents")).StatusCode);

        var revoked = await cy.PostFormAsync("/account", $"/account/tokens/{id}/revoke", []);
        Assert.Equal(HttpStatusCode.Redirect, revoked.StatusCode);
        await AssertRefusedAsync(await cron.GetAsync("/api/v1/agents"), "a revoked token");
        Assert.Contains("You have no API tokens", await cy.Http.GetStringAsync("/account"));
        Assert.Contains("revoked API token", await _server.Http.GetStringAsync("/admin/audit"));

        // There is no page that removes people yet; a row deleted by hand must take the tokens with it.
        using var dee = await _server.SignInAsync("dee", Role.Member);
        using var deeScript = WithToken(await dee.CreateApiTokenAsync("sheet"));
        Assert.Equal(HttpStatusCode.OK, (await deeScript.GetAsync("/api/v1/agents")).StatusCode);
        await using (var db = new SqliteConnection($"Data Source={Path.Combine(_server.DataDirectory, "presently.db")};Pooling=False"))
        {
            await db.OpenAsync();
            await using var delete = db.CreateCommand();
            delete.CommandText = "DELETE FROM persons WHERE name = 'dee'";
            Assert.Equal(1, await delete.ExecuteNonQueryAsync());
        }
        await AssertRefusedAsync(await deeScript.GetAsync("/api/v1/agents"), "the token of a removed person");
    }

    [Fact]
    public async Task Wrong_garbage_and_oversized_headers_get_a_one_line_401()
    {
        using var ed = await _server.SignInAsync("ed", Role.Member);
        var token = await ed.CreateApiTokenAsync("real");
        var unknown = "pat_" + new string('A', 43);
        string[] headers =
        [
            "Bearer", "Bearer ", "Bearer garbage", "Bearer " + unknown, "bearer " + unknown.ToLowerInvariant(),
            "Bearer pat_" + new string('+', 42) + "=", "Bearer " + token + "x", "Bearer " + token[..^1], "Bearer " + token + " " + token,
            "Bearer " + new string('x', 16_000), "Bearer " + token.ToUpperInvariant(), "Bearer " + ServerHost.Token, "Bearer\t" + unknown,
        ];
        foreach (var header in headers)
        {
            using var http = Bearer(_server.BaseUri, header);
            await AssertRefusedAsync(await http.GetAsync("/api/v1/agents"), $"Authorization: {header[..Math.Min(header.Length, 40)]}");
        }

        // Two Authorization headers, even one of them right, are refused.
        using var twice = WithToken(token);
        twice.DefaultRequestHeaders.TryAddWithoutValidation("Authorization", "Bearer " + unknown);
        await AssertRefusedAsync(await twice.GetAsync("/api/v1/agents"), "two Authorization headers");

        // A scheme other than Bearer is no token at all: the API answers 401 as to anyone without a session.
        using var basic = Bearer(_server.BaseUri, "Basic ZWQ6cGFzc3dvcmQ=");
        Assert.Equal(HttpStatusCode.Unauthorized, (await basic.GetAsync("/api/v1/agents")).StatusCode);
        using var none = Bearer(_server.BaseUri, null);
        Assert.Equal(HttpStatusCode.Unauthorized, (await none.GetAsync("/api/v1/report")).StatusCode);

        using var good = WithToken(token);
        Assert.Equal(HttpStatusCode.OK, (await good.GetAsync("/api/v1/agents")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await good.GetAsync("/healthz")).StatusCode);
    }

    [Fact]
    public async Task A_token_opens_no_page_posts_no_form_and_opens_no_board()
    {
        using var admin = await _server.SignInAsync("fay", Role.Admin);
        var token = await admin.CreateApiTokenAsync("admin script");
        using var script = WithToken(token);
        // Pages send a browser to sign in; the token is not even looked at there.
        foreach (var page in new[] { "/", "/account", "/reports", "/admin/agents", "/admin/people", "/admin/audit", "/docs/api", "/openapi/v1.json" })
        {
            var response = await script.GetAsync(page);
            Assert.True(response.StatusCode == HttpStatusCode.Redirect && response.Headers.Location!.OriginalString.Contains("/login", StringComparison.Ordinal),
                $"GET {page} with a token: {(int)response.StatusCode} {response.Headers.Location}");
        }
        // Forms: no session, so refused before any antiforgery check or action.
        var forms = new Dictionary<string, Dictionary<string, string>>
        {
            ["/admin/codes"] = new() { ["person"] = "mallory" },
            ["/admin/retention"] = new() { ["months"] = "1", ["rollups"] = "delete" },
            ["/account/tokens"] = new() { ["name"] = "more", ["scope"] = "read" },
            ["/account/sign-out-everywhere"] = [],
        };
        foreach (var (action, fields) in forms)
        {
            var response = await script.PostAsync(action, new FormUrlEncodedContent(fields));
            Assert.True(response.StatusCode is HttpStatusCode.Unauthorized or HttpStatusCode.BadRequest, $"POST {action} with a token: {(int)response.StatusCode}");
        }
        Assert.Null(await _server.Services.GetRequiredService<IAccountStore>().FindPersonAsync("mallory"));
        Assert.Single(await _server.Services.GetRequiredService<IAccountStore>().ListApiTokensAsync((await _server.Services.GetRequiredService<IAccountStore>().FindPersonAsync("fay"))!.Id));

        using var socket = new ClientWebSocket();
        socket.Options.CollectHttpResponseDetails = true;
        socket.Options.SetRequestHeader("Authorization", "Bearer " + token);
        socket.Options.SetRequestHeader("Origin", _server.BaseUri.GetLeftPart(UriPartial.Authority));
        await Assert.ThrowsAsync<WebSocketException>(() => socket.ConnectAsync(new UriBuilder(_server.BaseUri) { Scheme = "ws", Path = "/board/ws" }.Uri, CancellationToken.None));
        Assert.Equal(HttpStatusCode.Unauthorized, socket.HttpStatusCode);
    }

    [Fact]
    public void A_read_token_may_only_read_the_api_and_a_session_is_not_limited_by_it()
    {
        var person = new Person(1, "gil", Role.Admin, null) { SecurityStamp = "s" };
        ClaimsPrincipal Token(string scope)
        {
            var user = ClaimsExtensions.For(person, ApiTokenAuthentication.Scheme, DateTimeOffset.UtcNow);
            ((ClaimsIdentity)user.Identity!).AddClaim(new Claim(ApiTokenAuthentication.ScopeClaim, scope));
            return user;
        }
        var session = ClaimsExtensions.For(person, "Cookies", DateTimeOffset.UtcNow);
        bool Allowed(ClaimsPrincipal user, string method, string path, bool asHttpContext = true)
        {
            var http = new DefaultHttpContext();
            http.Request.Method = method;
            http.Request.Path = path;
            var requirement = new ApiTokenScopeRequirement();
            var context = new AuthorizationHandlerContext([requirement], user, asHttpContext ? http : new object());
            requirement.HandleAsync(context).GetAwaiter().GetResult();
            return context.HasSucceeded;
        }

        Assert.True(Allowed(Token("read"), "GET", "/api/v1/report"));
        Assert.True(Allowed(Token("read"), "HEAD", "/api/v1/agents"));
        Assert.False(Allowed(Token("read"), "POST", "/api/v1/enroll"));
        Assert.False(Allowed(Token("read"), "DELETE", "/api/v1/agents"));
        Assert.False(Allowed(Token("read"), "GET", "/admin/agents"));
        Assert.False(Allowed(Token("read"), "GET", "/api/v10/report"));
        Assert.False(Allowed(Token("write"), "GET", "/api/v1/report"));
        Assert.False(Allowed(Token("read"), "GET", "/api/v1/report", asHttpContext: false));
        Assert.True(Allowed(session, "POST", "/admin/codes"));
    }

    [Fact]
    public async Task Tokens_are_bounded_in_number_name_and_scope()
    {
        using var hal = await _server.SignInAsync("hal", Role.Member);
        foreach (var (name, scope) in new[] { ("", "read"), ("   ", "read"), (new string('n', ApiTokens.MaxNameLength + 1), "read"), ("tab\there", "read"), ("ok", "write"), ("ok", "") })
        {
            var refused = await hal.PostFormAsync("/account", "/account/tokens", new() { ["name"] = name, ["scope"] = scope });
            Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        }
        var tokens = new List<string>();
        for (var i = 0; i < ApiTokens.MaxPerPerson; i++) tokens.Add(await hal.CreateApiTokenAsync($"token {i}"));
        Assert.Equal(ApiTokens.MaxPerPerson, tokens.Distinct().Count());
        var full = await hal.PostFormAsync("/account", "/account/tokens", new() { ["name"] = "one more", ["scope"] = "read" });
        Assert.Equal(HttpStatusCode.BadRequest, full.StatusCode);
        Assert.Contains("revoke one you no longer use", await full.Content.ReadAsStringAsync());
        var page = await hal.Http.GetStringAsync("/account");
        Assert.DoesNotContain("action=\"/account/tokens\"", page);
        Assert.Equal(ApiTokens.MaxPerPerson, RevokeAction().Matches(page).Count);
    }

    [Fact]
    public async Task Tokens_survive_signing_out_everywhere_and_a_password_change()
    {
        using var ivy = await _server.SignInAsync("ivy", Role.Member, "ivy-password-1");
        using var script = WithToken(await ivy.CreateApiTokenAsync("survivor"));
        var changed = await ivy.PostFormAsync("/account", "/account", new() { ["current"] = "ivy-password-1", ["password"] = "ivy-password-2", ["confirm"] = "ivy-password-2" });
        Assert.Equal(HttpStatusCode.OK, changed.StatusCode);
        Assert.Equal(HttpStatusCode.Redirect, (await ivy.PostFormAsync("/account", "/account/sign-out-everywhere", [])).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await script.GetAsync("/api/v1/agents")).StatusCode);
    }

    [Fact]
    public async Task A_tokens_last_use_is_written_at_most_once_a_minute()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var server = await ServerHost.StartAsync(null, time);
        using var jo = await server.SignInAsync("jo", Role.Member);
        var token = await jo.CreateApiTokenAsync("poller");
        using var poller = Bearer(server.BaseUri, "Bearer " + token);
        var accounts = server.Services.GetRequiredService<IAccountStore>();
        var id = (await accounts.FindPersonAsync("jo"))!.Id;
        async Task<DateTimeOffset?> LastUsed() => (await accounts.ListApiTokensAsync(id)).Single().LastUsed;
        var start = Instants.FromMs(time.GetUtcNow().ToUnixTimeMilliseconds());

        Assert.Null(await LastUsed());
        Assert.Equal(HttpStatusCode.OK, (await poller.GetAsync("/api/v1/agents")).StatusCode);
        Assert.Equal(start, await LastUsed());
        time.Advance(TimeSpan.FromSeconds(59));
        Assert.Equal(HttpStatusCode.OK, (await poller.GetAsync("/api/v1/agents")).StatusCode);
        Assert.Equal(start, await LastUsed());
        time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(HttpStatusCode.OK, (await poller.GetAsync("/api/v1/agents")).StatusCode);
        Assert.Equal(start.AddMinutes(1), await LastUsed());
    }

    [Fact]
    public async Task Failed_tokens_are_rate_limited_per_address_apart_from_signing_in()
    {
        await using var server = await ServerHost.StartAsync(null, null, signInAdmin: true, "--Presently:AuthAttemptsPerMinute", "3");
        // Signing in used one attempt of the sign-in budget; the token budget is its own.
        using var kim = await server.SignInAsync("kim", Role.Member);
        var token = await kim.CreateApiTokenAsync("good");
        using var guesser = Bearer(server.BaseUri, "Bearer pat_" + new string('B', 43));
        for (var i = 0; i < 3; i++) Assert.Equal(HttpStatusCode.Unauthorized, (await guesser.GetAsync("/api/v1/agents")).StatusCode);

        var limited = await guesser.GetAsync("/api/v1/agents");
        Assert.Equal(HttpStatusCode.TooManyRequests, limited.StatusCode);
        Assert.Equal(TimeSpan.FromSeconds(60), limited.Headers.RetryAfter?.Delta);
        Assert.Contains("too many failed API token attempts", await limited.Content.ReadAsStringAsync());
        // From this address, for the rest of the minute, no token is looked up, right or wrong.
        using var script = Bearer(server.BaseUri, "Bearer " + token);
        Assert.Equal(HttpStatusCode.TooManyRequests, (await script.GetAsync("/api/v1/agents")).StatusCode);
        // Sessions go on.
        Assert.Equal(HttpStatusCode.OK, (await kim.Http.GetAsync("/api/v1/agents")).StatusCode);
    }

    [GeneratedRegex("action=\"/account/tokens/([0-9]+)/revoke\"")]
    private static partial Regex RevokeAction();

    [GeneratedRegex("<tr><td>weekly sheet</td>.*?</tr>", RegexOptions.Singleline)]
    private static partial Regex TokenRow();
}
