using System.Net;
using System.Security.Cryptography;
using Presently.Server.Downloads;
using Presently.Storage;
using Presently.Tests.Fixtures;

namespace Presently.Tests.Downloads;

/// <summary>/download/agent/…, /install.sh and /install.ps1 against a real server with a builds folder.</summary>
public sealed class DownloadEndpointTests : IAsyncLifetime
{
    private readonly TempDirectory _builds = new();
    private ServerHost _server = null!;
    private byte[] _linux = null!;

    public async ValueTask InitializeAsync()
    {
        _linux = FakeBuild("linux agent");
        await AgentBuildsFolder.WriteAsync(_builds.Path, ("linux-x64/presently-agent", _linux), ("win-x64/presently-agent.exe", FakeBuild("windows agent")));
        _server = await ServerHost.StartAsync(null, null, "--Presently:AgentBuildsDirectory", _builds.Path);
    }

    public async ValueTask DisposeAsync()
    {
        await _server.DisposeAsync();
        _builds.Dispose();
    }

    private static byte[] FakeBuild(string text) => [.. "\u007fELF"u8.ToArray(), .. System.Text.Encoding.UTF8.GetBytes(text)];

    [Fact]
    public async Task A_build_downloads_anonymously_as_an_attachment_with_its_sum()
    {
        using var anonymous = WebSession.Anonymous(_server.BaseUri);
        var response = await anonymous.Http.GetAsync("/download/agent/linux-x64");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/octet-stream", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("attachment", response.Content.Headers.ContentDisposition?.DispositionType);
        Assert.Equal("presently-agent", response.Content.Headers.ContentDisposition?.FileName?.Trim('"'));
        Assert.Equal(_linux, await response.Content.ReadAsByteArrayAsync());

        var sum = await anonymous.Http.GetStringAsync("/download/agent/linux-x64.sha256");
        Assert.Equal($"{Convert.ToHexStringLower(SHA256.HashData(_linux))}  presently-agent\n", sum);

        var windows = await anonymous.Http.GetAsync("/download/agent/win-x64");
        Assert.Equal("presently-agent.exe", windows.Content.Headers.ContentDisposition?.FileName?.Trim('"'));

        var all = await anonymous.Http.GetStringAsync("/download/agent/SHA256SUMS");
        Assert.Contains("  linux-x64/presently-agent\n", all);
        Assert.Contains("  win-x64/presently-agent.exe\n", all);
    }

    [Theory]
    [InlineData("/download/agent/freebsd-x64")]
    [InlineData("/download/agent/linux-x64.exe")]
    [InlineData("/download/agent/LINUX-X64")]
    [InlineData("/download/agent/..%2FSHA256SUMS")]
    [InlineData("/download/agent/..%2F..%2Fpresently.db")]
    [InlineData("/download/agent/%2E%2E")]
    [InlineData("/download/agent/linux-x64%2Fpresently-agent")]
    [InlineData("/download/agent/..\\..\\presently.db")]
    [InlineData("/download/agent/x")]
    public async Task Unknown_platforms_and_traversal_attempts_are_404(string url)
    {
        using var anonymous = WebSession.Anonymous(_server.BaseUri);
        var response = await anonymous.Http.GetAsync(url);
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        var body = await response.Content.ReadAsByteArrayAsync();
        Assert.DoesNotContain("ELF", System.Text.Encoding.ASCII.GetString(body));
        Assert.DoesNotContain("SQLite", System.Text.Encoding.ASCII.GetString(body));
    }

    [Fact]
    public async Task A_platform_without_a_build_says_how_to_add_one()
    {
        using var anonymous = WebSession.Anonymous(_server.BaseUri);
        var response = await anonymous.Http.GetAsync("/download/agent/osx-arm64");
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Contains("no agent build for osx-arm64", await response.Content.ReadAsStringAsync());
        Assert.Contains("deploy/build-agents.sh", await response.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.NotFound, (await anonymous.Http.GetAsync("/download/agent/osx-arm64.sha256")).StatusCode);
    }

    [Fact]
    public async Task A_build_without_a_recorded_sum_is_not_offered()
    {
        Directory.CreateDirectory(Path.Combine(_builds.Path, "osx-x64"));
        await File.WriteAllBytesAsync(Path.Combine(_builds.Path, "osx-x64", "presently-agent"), FakeBuild("mac"));
        using var anonymous = WebSession.Anonymous(_server.BaseUri);
        Assert.Equal(HttpStatusCode.NotFound, (await anonymous.Http.GetAsync("/download/agent/osx-x64")).StatusCode);
    }

    [Fact]
    public async Task A_server_without_builds_says_so_clearly()
    {
        await using var bare = await ServerHost.StartAsync();
        using var anonymous = WebSession.Anonymous(bare.BaseUri);
        var response = await anonymous.Http.GetAsync("/download/agent/linux-x64");
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Contains("This server has no agent build for linux-x64", await response.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.NotFound, (await anonymous.Http.GetAsync("/download/agent/SHA256SUMS")).StatusCode);

        // The Enrollment page says how to add them.
        var page = await bare.Admin.PostFormAsync("/admin/codes", "/admin/codes", new() { ["person"] = "ann", ["hours"] = "1" });
        var html = await page.Content.ReadAsStringAsync();
        Assert.Contains("id=\"no-builds\"", html);
        Assert.Contains("deploy/build-agents.sh", html);
        Assert.Contains("presently-agent enroll --server", html);
    }

    [Fact]
    public async Task Install_scripts_are_rendered_for_this_server()
    {
        using var anonymous = WebSession.Anonymous(_server.BaseUri);
        var server = _server.BaseUri.ToString().TrimEnd('/');
        var sh = await anonymous.Http.GetAsync("/install.sh");
        Assert.Equal(HttpStatusCode.OK, sh.StatusCode);
        var text = await sh.Content.ReadAsStringAsync();
        Assert.StartsWith("#!/bin/sh\n", text);
        Assert.Contains($"SERVER='{server}'", text);
        Assert.Contains("FINGERPRINT=''", text);
        Assert.DoesNotContain("\r", text);

        var ps1 = await anonymous.Http.GetStringAsync("/install.ps1");
        Assert.Contains($"$Server = '{server}'", ps1);
        Assert.DoesNotContain("@SERVER@", ps1);
    }

    [Fact]
    public async Task A_hostile_host_header_never_reaches_the_script()
    {
        using var anonymous = WebSession.Anonymous(_server.BaseUri);
        var request = new HttpRequestMessage(HttpMethod.Get, "/install.sh");
        // Quotes and semicolons are legal in a Host header (RFC 3986 sub-delims), and deadly in a shell script.
        Assert.True(request.Headers.TryAddWithoutValidation("Host", "evil';reboot;'"));
        var response = await anonymous.Http.SendAsync(request);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.DoesNotContain("reboot", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task The_enrollment_page_shows_the_line_for_each_system()
    {
        var page = await _server.Admin.PostFormAsync("/admin/codes", "/admin/codes", new() { ["person"] = "ann <b>", ["hours"] = "1" });
        var html = await page.Content.ReadAsStringAsync();
        var server = _server.BaseUri.ToString().TrimEnd('/');
        Assert.Contains($"curl -fsSL {server}/install.sh | sh -s -- --code ", html);
        Assert.Contains($"irm {server}/install.ps1", html);
        Assert.Contains("No build here yet for osx-arm64, osx-x64", html);
        Assert.DoesNotContain("ann <b>", html);
    }

    [Fact]
    public async Task A_pinned_certificate_goes_into_the_lines_and_the_script()
    {
        const string fingerprint = "AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89";
        await using var pinned = await ServerHost.StartAsync(null, null, "--Presently:AgentBuildsDirectory", _builds.Path,
            "--Presently:PublicCertificateSha256", fingerprint, "--Presently:PublicUrl", "https://presently.example.com");
        using var anonymous = WebSession.Anonymous(pinned.BaseUri);
        var script = await anonymous.Http.GetStringAsync("/install.sh");
        Assert.Contains($"FINGERPRINT='{fingerprint}'", script);
        Assert.Contains("SERVER='https://presently.example.com'", script);
        var html = await (await pinned.Admin.PostFormAsync("/admin/codes", "/admin/codes", new() { ["person"] = "ann", ["hours"] = "1" })).Content.ReadAsStringAsync();
        Assert.Contains("curl -fsSLk https://presently.example.com/install.sh", html);
        Assert.Contains(fingerprint, html);
    }
}
