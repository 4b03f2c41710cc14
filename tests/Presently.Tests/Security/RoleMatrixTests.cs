using System.Net;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Presently.Storage;
using Presently.Tests.Fixtures;

namespace Presently.Tests.Security;

/// <summary>
/// Walks every endpoint the server maps, with no session, as a member and as an admin, and checks
/// that each is refused or allowed as its access level says. A new endpoint without a level fails here.
/// </summary>
public sealed class RoleMatrixTests : IAsyncLifetime
{
    private enum Level { Public, Agent, Member, Admin }

    private static readonly Dictionary<string, Level> Levels = new()
    {
        ["/healthz"] = Level.Public,
        // Readiness and metrics: admins, and the networks Presently:Monitoring:AllowedNetworks names (none
        // by default, as here; MonitoringTests checks the setting).
        ["/readyz"] = Level.Admin,
        ["/metrics"] = Level.Admin,
        ["/login"] = Level.Public,
        ["/login/oidc"] = Level.Public,
        ["/setup"] = Level.Public,
        ["/denied"] = Level.Public,
        ["/api/v1/enroll"] = Level.Public,
        // Agent builds and install scripts: not secret, and fetched by a computer with no session yet.
        ["/download/agent/{name}"] = Level.Public,
        ["/install.sh"] = Level.Public,
        ["/install.ps1"] = Level.Public,
        ["/agent/v1"] = Level.Agent,
        ["/"] = Level.Member,
        ["/board/ws"] = Level.Member,
        ["/reports"] = Level.Member,
        // Own day always; others only at full detail (checked inside: TimelinePageTests).
        ["/timeline"] = Level.Member,
        ["/api/v1/report"] = Level.Member,
        ["/api/v1/agents"] = Level.Member,
        ["/account"] = Level.Member,
        ["/account/agents"] = Level.Member,
        ["/account/visibility"] = Level.Member,
        ["/account/time"] = Level.Member,
        ["/logout"] = Level.Member,
        ["/account/sign-out-everywhere"] = Level.Member,
        // Each person's own API tokens; nobody else's, admins included.
        ["/account/tokens"] = Level.Member,
        ["/account/tokens/{id:long}/revoke"] = Level.Member,
        // The API's description and its reference page: members only, as the API itself (a self-hosted
        // server tells strangers nothing it need not); the reference says how to get a token.
        ["/openapi/v1.json"] = Level.Member,
        ["/docs/api"] = Level.Member,
        // Categories are the admins' (Server/Categories): listed, added, changed and deleted on one page.
        ["/admin/categories"] = Level.Admin,
        ["/admin/categories/{id:long}"] = Level.Admin,
        ["/admin/categories/{id:long}/delete"] = Level.Admin,
    };

    private ServerHost _server = null!;

    public async ValueTask InitializeAsync() => _server = await ServerHost.StartAsync();

    public async ValueTask DisposeAsync() => await _server.DisposeAsync();

    // Everything under /admin (agents, codes, people, teams, categories, retention, audit) is Admin by its prefix.
    private static Level LevelOf(string pattern) =>
        pattern.StartsWith("/admin", StringComparison.Ordinal) ? Level.Admin
        : Levels.TryGetValue(pattern, out var level) ? level
        : throw new Xunit.Sdk.XunitException($"endpoint {pattern} has no access level in RoleMatrixTests: decide who may use it");

    private static string Concrete(string pattern) => pattern.Replace("{id:long}", "999", StringComparison.Ordinal).Replace("{id}", "no-such-agent", StringComparison.Ordinal);

    private List<(string Pattern, string Method)> Endpoints() =>
        _server.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
            .Select(e => (Pattern: "/" + e.RoutePattern.RawText!.TrimStart('/'), Methods: e.Metadata.GetMetadata<HttpMethodMetadata>()?.HttpMethods ?? ["GET"]))
            .SelectMany(e => e.Methods.Select(m => (e.Pattern, Method: m)))
            .Distinct()
            .ToList();

    // Agents and the enrollment API authenticate with a bearer credential and carry no cookie.
    private static readonly string[] NoCookieEndpoints = ["/agent/v1", "/api/v1/enroll"];

    [Fact]
    public async Task Every_state_changing_endpoint_needs_the_antiforgery_token()
    {
        var failures = new List<string>();
        foreach (var (pattern, method) in Endpoints().Where(e => e.Method is not ("GET" or "HEAD") && !NoCookieEndpoints.Contains(e.Pattern)))
        {
            // As an admin, whom every endpoint would otherwise serve; with neither fields nor token.
            using var admin = await _server.SignInAsync("csrf-admin", Role.Admin);
            var response = await admin.Http.SendAsync(new HttpRequestMessage(new HttpMethod(method), Concrete(pattern)));
            if (response.StatusCode != HttpStatusCode.BadRequest) failures.Add($"{method} {pattern} without a token: {(int)response.StatusCode}");
        }
        Assert.True(failures.Count == 0, string.Join("\n", failures));
    }

    [Fact]
    public async Task A_token_reads_the_api_and_nothing_else_whatever_its_role()
    {
        var failures = new List<string>();
        foreach (var role in new[] { Role.Member, Role.Admin })
        {
            using var session = await _server.SignInAsync($"token-{role.ToString().ToLowerInvariant()}", role);
            var token = await session.CreateApiTokenAsync("matrix");
            using var http = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false, UseCookies = false }) { BaseAddress = _server.BaseUri };
            http.DefaultRequestHeaders.TryAddWithoutValidation("Authorization", "Bearer " + token);
            foreach (var (pattern, method) in Endpoints().Where(e => LevelOf(e.Pattern) != Level.Public))
            {
                // With the token alone: no cookie, no antiforgery field.
                var response = await http.SendAsync(new HttpRequestMessage(new HttpMethod(method), Concrete(pattern))
                {
                    Content = method == "GET" ? null : new FormUrlEncodedContent([]),
                });
                var status = (int)response.StatusCode;
                var location = response.Headers.Location?.OriginalString ?? "";
                var denied = status is 401 or 403 || location.Contains("/login", StringComparison.Ordinal);
                var reads = method == "GET" && pattern.StartsWith("/api/v1/", StringComparison.Ordinal) && LevelOf(pattern) == Level.Member;
                if (denied == reads) failures.Add($"{method} {pattern} with a {role} token: {status} {location} (expected {(reads ? "allowed" : "refused")})");
            }
        }
        Assert.True(failures.Count == 0, string.Join("\n", failures));
    }

    [Fact]
    public void The_categories_endpoints_are_walked_and_are_for_admins()
    {
        var endpoints = Endpoints();
        foreach (var (pattern, method) in new[]
        {
            ("/admin/categories", "GET"), ("/admin/categories", "POST"),
            ("/admin/categories/{id:long}", "POST"), ("/admin/categories/{id:long}/delete", "POST"),
        })
        {
            Assert.Contains((pattern, method), endpoints);
            Assert.Equal(Level.Admin, LevelOf(pattern));
            Assert.Equal(Level.Admin, Levels[pattern]);
        }
    }

    [Fact]
    public async Task Every_endpoint_checks_the_role()
    {
        var endpoints = Endpoints();
        Assert.True(endpoints.Count > 20, $"only {endpoints.Count} endpoints found");

        var failures = new List<string>();
        var member = await _server.Services.GetRequiredService<IAccountStore>().SavePersonAsync("matrix-member", Role.Member, null);
        foreach (var (pattern, method) in endpoints)
        {
            var level = LevelOf(pattern);
            foreach (var role in new[] { "none", "member", "admin" })
            {
                using var session = role switch
                {
                    "none" => WebSession.Anonymous(_server.BaseUri),
                    "member" => await _server.SignInAsync(member.Name, Role.Member),
                    _ => await _server.SignInAsync("matrix-admin", Role.Admin),
                };
                var url = Concrete(pattern);
                var response = method == "GET"
                    ? await session.Http.GetAsync(url)
                    : await session.PostFormAsync(role == "none" ? "/login" : "/account", url, []);
                var status = (int)response.StatusCode;
                var location = response.Headers.Location?.OriginalString ?? "";
                var denied = status is 401 or 403 || location.StartsWith("/login", StringComparison.Ordinal) || location.StartsWith("/denied", StringComparison.Ordinal)
                    || location.Contains("/login?", StringComparison.Ordinal) || location.Contains("/denied?", StringComparison.Ordinal);
                var shouldDeny = level switch
                {
                    Level.Public => false,
                    Level.Agent => true, // agents authenticate with a bearer credential, never with a session
                    Level.Member => role == "none",
                    _ => role != "admin",
                };
                // Signing out ends at the sign-in page; the "denied" page says 403 to everyone by design.
                if (pattern is "/logout" or "/account/sign-out-everywhere" && role != "none" && status == 302 && location == "/login") continue;
                if (pattern == "/denied") continue;
                // Public endpoints may still answer 401 to a wrong password or code; only their refusal of a session matters.
                if (level == Level.Public && denied && status == 401 && method == "POST") continue;
                if (denied != shouldDeny) failures.Add($"{method} {pattern} as {role}: {status} {location} (expected {(shouldDeny ? "refused" : "allowed")})");
            }
        }
        Assert.True(failures.Count == 0, string.Join("\n", failures));
    }
}
