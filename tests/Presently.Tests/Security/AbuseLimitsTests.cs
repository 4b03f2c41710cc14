using System.Net;
using System.Text.RegularExpressions;
using Microsoft.Extensions.DependencyInjection;
using Presently.Storage;
using Presently.Tests.Fixtures;

namespace Presently.Tests.Security;

/// <summary>What anyone can send without signing in stays small: form sizes, audit entries, the audit page.</summary>
public sealed partial class AbuseLimitsTests : IAsyncLifetime
{
    private ServerHost _server = null!;

    public async ValueTask InitializeAsync() => _server = await ServerHost.StartAsync();

    public async ValueTask DisposeAsync() => await _server.DisposeAsync();

    private long DatabaseBytes() =>
        Directory.GetFiles(_server.DataDirectory, "presently.db*").Sum(f => new FileInfo(f).Length);

    /// <summary>A refused upload may end as a status or, when the server stops reading, as a closed connection.</summary>
    private static async Task<HttpStatusCode?> PostAsync(HttpClient http, string path, HttpContent content)
    {
        try
        {
            return (await http.PostAsync(path, content)).StatusCode;
        }
        catch (HttpRequestException)
        {
            return null;
        }
    }

    [Fact]
    public async Task Failed_sign_ins_with_huge_names_are_refused_or_cut_and_do_not_grow_the_database()
    {
        using var anonymous = WebSession.Anonymous(_server.BaseUri);
        var before = DatabaseBytes();
        for (var i = 0; i < 3; i++)
        {
            var fields = await anonymous.WithTokenAsync("/login", new() { ["name"] = new string((char)('A' + i), 1 << 20), ["password"] = "wrong-password" });
            var status = await PostAsync(anonymous.Http, "/login", new FormUrlEncodedContent(fields));
            Assert.True(status is null or HttpStatusCode.RequestEntityTooLarge or HttpStatusCode.BadRequest, $"a 1 MB sign-in form got {status}");
        }

        // Within the form limits the attempt is logged, but only its first 128 characters.
        var failed = await anonymous.PostFormAsync("/login", "/login", new() { ["name"] = new string('Z', 3000), ["password"] = "wrong-password" });
        Assert.Equal(HttpStatusCode.Unauthorized, failed.StatusCode);
        var entry = (await _server.Services.GetRequiredService<IAuditLog>().ListAsync(10)).First(e => e.Action == "sign-in failed");
        Assert.InRange(entry.Actor.Length, 100, 128);
        Assert.StartsWith("ZZZZ", entry.Actor, StringComparison.Ordinal);

        Assert.True(DatabaseBytes() - before < 256 * 1024, $"the database grew by {DatabaseBytes() - before} bytes");
        var page = await _server.Http.GetStringAsync("/admin/audit");
        Assert.True(page.Length < 64 * 1024, $"the audit page is {page.Length} characters");
    }

    [Fact]
    public async Task Form_posts_above_64_KiB_or_with_oversized_fields_are_refused()
    {
        using var anonymous = WebSession.Anonymous(_server.BaseUri);
        var big = await anonymous.WithTokenAsync("/login", new() { ["name"] = "someone", ["password"] = "wrong-password", ["filler"] = new string('x', 100 * 1024) });
        Assert.True(await PostAsync(anonymous.Http, "/login", new FormUrlEncodedContent(big)) is null or HttpStatusCode.RequestEntityTooLarge or HttpStatusCode.BadRequest);

        var longField = await anonymous.WithTokenAsync("/login", new() { ["name"] = new string('n', 10_000), ["password"] = "wrong-password" });
        Assert.Equal(HttpStatusCode.BadRequest, await PostAsync(anonymous.Http, "/login", new FormUrlEncodedContent(longField)));

        var multipart = new MultipartFormDataContent();
        foreach (var (k, v) in await anonymous.WithTokenAsync("/login", new() { ["name"] = "someone", ["password"] = "wrong-password" }))
            multipart.Add(new StringContent(v), k);
        multipart.Add(new ByteArrayContent(new byte[100 * 1024]), "file", "big.bin");
        Assert.True(await PostAsync(anonymous.Http, "/login", multipart) is null or HttpStatusCode.RequestEntityTooLarge or HttpStatusCode.BadRequest);

        // Ordinary forms still work.
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.PostFormAsync("/login", "/login", new() { ["name"] = "someone", ["password"] = "wrong-password" })).StatusCode);
    }

    [GeneratedRegex("id=\"older\" href=\"([^\"]+)\"")]
    private static partial Regex OlderLink();

    [Fact]
    public async Task The_audit_log_pages_back_past_junk_and_filters_by_action()
    {
        var (agentId, _) = await _server.EnrollAsync("pia");
        Assert.Equal(HttpStatusCode.Redirect, (await _server.Admin.PostFormAsync("/admin/agents", $"/admin/agents/{agentId}/block", [])).StatusCode);
        var audit = _server.Services.GetRequiredService<IAuditLog>();
        var now = TimeProvider.System.GetUtcNow();
        for (var i = 0; i < 600; i++) await audit.WriteAsync(now, $"junk-{i}", "sign-in failed", "127.0.0.1");

        var url = "/admin/audit";
        var pages = 0;
        for (; ; pages++)
        {
            Assert.True(pages < 20, "the blocked agent is not within 20 pages");
            var html = await _server.Http.GetStringAsync(url);
            if (html.Contains($">{agentId}<", StringComparison.Ordinal)) break;
            var older = OlderLink().Match(html);
            Assert.True(older.Success, $"page {pages + 1} of the audit log links to no older entries");
            url = WebUtility.HtmlDecode(older.Groups[1].Value);
        }
        Assert.True(pages > 0, "the first page should not hold all 600 junk entries");

        var filtered = await _server.Http.GetStringAsync("/admin/audit?action=" + Uri.EscapeDataString("blocked agent"));
        Assert.Contains($">{agentId}<", filtered);
        Assert.DoesNotContain("junk-", filtered);
    }
}
