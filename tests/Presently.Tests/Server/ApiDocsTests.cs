using System.Net;
using System.Text.Json;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Presently.Protocol;
using Presently.Storage;
using Presently.Tests.Fixtures;

namespace Presently.Tests.Server;

/// <summary>/openapi/v1.json describes every /api/v1 endpoint the server maps, and /api renders it for people.</summary>
public sealed class ApiDocsTests : IAsyncLifetime
{
    private ServerHost _server = null!;

    public async ValueTask InitializeAsync() => _server = await ServerHost.StartAsync();

    public async ValueTask DisposeAsync() => await _server.DisposeAsync();

    /// <summary>Every /api/v1 route and method the app maps, from its endpoint data source: a new one without docs fails below.</summary>
    private List<(string Pattern, string Method, bool Anonymous)> ApiEndpoints() =>
        _server.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
            .Select(e => (Pattern: "/" + e.RoutePattern.RawText!.TrimStart('/'), Endpoint: e))
            .Where(e => e.Pattern.StartsWith("/api/v1/", StringComparison.Ordinal))
            .SelectMany(e => (e.Endpoint.Metadata.GetMetadata<HttpMethodMetadata>()?.HttpMethods ?? ["GET"])
                .Select(m => (e.Pattern, m, e.Endpoint.Metadata.GetMetadata<IAllowAnonymous>() is not null)))
            .ToList();

    private async Task<JsonElement> DocumentAsync()
    {
        var response = await _server.Http.GetAsync("/openapi/v1.json");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.StartsWith("application/json", response.Content.Headers.ContentType?.ToString());
        var text = await response.Content.ReadAsStringAsync();
        await File.WriteAllTextAsync(HeadlessBrowser.ArtifactPath("openapi-v1.json"), text);
        return JsonDocument.Parse(text).RootElement;
    }

    [Fact]
    public async Task The_document_describes_every_api_endpoint_the_server_maps()
    {
        var doc = await DocumentAsync();
        Assert.StartsWith("3.", doc.GetProperty("openapi").GetString());
        var paths = doc.GetProperty("paths");
        var endpoints = ApiEndpoints();
        Assert.True(endpoints.Count >= 3, $"only {endpoints.Count} /api/v1 endpoints found");

        var problems = new List<string>();
        foreach (var (pattern, method, anonymous) in endpoints)
        {
            var where = $"{method} {pattern}";
            if (!paths.TryGetProperty(pattern, out var path) || !path.TryGetProperty(method.ToLowerInvariant(), out var op))
            {
                problems.Add($"{where}: not in the document");
                continue;
            }
            foreach (var field in new[] { "operationId", "summary", "description" })
                if (!op.TryGetProperty(field, out var value) || string.IsNullOrWhiteSpace(value.GetString())) problems.Add($"{where}: no {field}");
            foreach (var p in op.TryGetProperty("parameters", out var ps) ? ps.EnumerateArray() : Enumerable.Empty<JsonElement>())
                if (!p.TryGetProperty("description", out var d) || string.IsNullOrWhiteSpace(d.GetString())) problems.Add($"{where}: parameter {p.GetProperty("name")} has no description");
            var responses = op.GetProperty("responses");
            if (!responses.TryGetProperty("200", out _)) problems.Add($"{where}: no 200 response");
            if (!anonymous)
            {
                var schemes = op.TryGetProperty("security", out var security)
                    ? security.EnumerateArray().SelectMany(r => r.EnumerateObject().Select(s => s.Name)).ToList() : [];
                if (!schemes.Contains("apiToken")) problems.Add($"{where}: the API token is not among its security schemes");
                if (!responses.TryGetProperty("401", out var unauthorized) || !unauthorized.GetProperty("content").TryGetProperty("application/problem+json", out _))
                    problems.Add($"{where}: no 401 problem response");
            }
        }
        Assert.True(problems.Count == 0, string.Join("\n", problems));
        // Only the API: no page, form, socket or download.
        Assert.All(paths.EnumerateObject(), p => Assert.StartsWith("/api/v1/", p.Name));

        var token = doc.GetProperty("components").GetProperty("securitySchemes").GetProperty("apiToken");
        Assert.Equal(("http", "bearer"), (token.GetProperty("type").GetString(), token.GetProperty("scheme").GetString()));
        Assert.Contains("pat_", token.GetProperty("bearerFormat").GetString());
    }

    [Fact]
    public async Task The_documented_shapes_are_the_json_the_api_returns()
    {
        var t = DateTimeOffset.UtcNow.AddHours(-1);
        await _server.Store.RegisterAgentAsync(new AgentRegistration("doc-1", "dora", "h", "Linux", "1", [], t, 0), sharedCredential: true);
        await _server.Store.CommitAsync([new IngestBatch("doc-1", [new SpanRecord(1, 1, t.ToUnixTimeMilliseconds(), t.AddMinutes(10).ToUnixTimeMilliseconds(), SpanState.Active, "vim", "x", null)])]);
        await _server.EnrollAsync("dora", "dora-laptop");
        var schemas = (await DocumentAsync()).GetProperty("components").GetProperty("schemas");

        static string[] Names(JsonElement o) => [.. o.EnumerateObject().Select(p => p.Name)];

        var json = (await DocumentAsync()).GetProperty("paths").GetProperty("/api/v1/report").GetProperty("get").GetProperty("responses").GetProperty("200").GetProperty("content");
        Assert.Equal(["application/json", "text/csv"], json.EnumerateObject().Select(c => c.Name).Order());
        var report = JsonDocument.Parse(await _server.Http.GetStringAsync($"/api/v1/report?from={Uri.EscapeDataString(t.AddHours(-1).ToString("O"))}")).RootElement;
        var reportSchema = schemas.GetProperty("ReportResponse");
        Assert.Equal(Names(report), Names(reportSchema.GetProperty("properties")));
        // Numbers are documented as the numbers the API writes, not as text it would also read.
        Assert.Equal("number", reportSchema.GetProperty("properties").GetProperty("totalSeconds").GetProperty("type").GetString());

        var agents = JsonDocument.Parse(await _server.Http.GetStringAsync("/api/v1/agents")).RootElement;
        Assert.Equal(Names(agents[0]), Names(schemas.GetProperty("AgentResponse").GetProperty("properties")));
    }

    [Fact]
    public async Task The_reference_page_lists_every_operation_with_a_way_to_call_it()
    {
        using var member = await _server.SignInAsync("reader", Role.Member);
        var response = await member.Http.GetAsync("/docs/api");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var html = await response.Content.ReadAsStringAsync();
        foreach (var (pattern, method, anonymous) in ApiEndpoints())
        {
            var anchor = method.ToLowerInvariant() + "-" + pattern.Trim('/').Replace('/', '-');
            Assert.Contains($"id=\"{anchor}\"", html);
            Assert.Contains($"<code>{method} {pattern}</code>", html);
        }
        Assert.Contains("curl -fsS -H &quot;Authorization: Bearer $PRESENTLY_TOKEN&quot;", html);
        Assert.Contains("groupBy=person,app", html);
        Assert.Contains("The IANA time zone for dates and days", html);
        Assert.Contains("href=\"/openapi/v1.json\"", html);
        // Rendered on the server: the strict CSP holds and the page needs no script of its own.
        Assert.DoesNotContain("unsafe-inline", string.Join(";", response.Headers.GetValues("Content-Security-Policy")));
        Assert.DoesNotMatch("<script>(?!</script>)", html);
        Assert.Contains("href=\"/docs/api\"", await member.Http.GetStringAsync("/account"));
    }

    [Fact]
    public async Task The_document_and_the_reference_are_for_members_only()
    {
        using var anonymous = WebSession.Anonymous(_server.BaseUri);
        foreach (var path in new[] { "/openapi/v1.json", "/docs/api" })
        {
            var response = await anonymous.Http.GetAsync(path);
            Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
            Assert.Contains("/login", response.Headers.Location?.OriginalString);
        }
    }
}
