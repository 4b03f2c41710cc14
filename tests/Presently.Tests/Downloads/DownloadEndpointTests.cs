using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Options;
using Presently.Server.Downloads;
using Presently.Server.Options;
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

    [Theory]
    [InlineData("pem")]
    [InlineData("der")]
    public async Task A_certificate_file_pins_the_shell_line_and_every_download_in_the_script(string format)
    {
        using var dir = new TempDirectory();
        var cert = await SelfSignedCertificate.WriteAsync(dir.Path);
        await using var pinned = await ServerHost.StartAsync(null, null, "--Presently:AgentBuildsDirectory", _builds.Path,
            "--Presently:PublicCertificatePath", format == "pem" ? cert.CertPath : cert.DerPath, "--Presently:PublicUrl", "https://presently.example.com");

        using var anonymous = WebSession.Anonymous(pinned.BaseUri);
        var script = await anonymous.Http.GetStringAsync("/install.sh");
        Assert.Contains($"FINGERPRINT='{cert.Sha256}'", script);
        Assert.Contains($"PUBKEYPIN='{cert.PublicKeyPin}'", script);
        Assert.DoesNotContain("@PUBKEYPIN@", script);
        // Every download that skips the system's check (-k, --no-check-certificate) pins the key instead.
        var insecure = script.Split('\n').Where(l => !l.TrimStart().StartsWith('#') && (l.Contains("curl -fsSLk", StringComparison.Ordinal) || l.Contains("--no-check-certificate", StringComparison.Ordinal))).ToList();
        Assert.NotEmpty(insecure);
        Assert.All(insecure, l => Assert.Contains("--pinnedpubkey", l));

        var html = await NewCodePageAsync(pinned);
        var code = Regex.Match(html, "--code ([A-Z0-9-]+)").Groups[1].Value;
        Assert.Equal($"script=$(curl -fsSLk --pinnedpubkey 'sha256//{cert.PublicKeyPin}' https://presently.example.com/install.sh) && sh -c \"$script\" presently-install --code {code}",
            InstallLine(html, "install-sh"));
        Assert.Contains($"$c.GetCertHashString([Security.Cryptography.HashAlgorithmName]::SHA256) -eq '{cert.Sha256.Replace(":", "", StringComparison.Ordinal)}'", InstallLine(html, "install-ps1"));
        Assert.Contains(cert.Sha256, html);
    }

    [Fact]
    public async Task Kestrels_own_self_signed_certificate_is_pinned_unless_a_proxy_stands_in_front()
    {
        using var dir = new TempDirectory();
        var cert = await SelfSignedCertificate.WriteAsync(dir.Path);
        await using (var direct = await ServerHost.StartAsync(null, null, ["--Presently:AgentBuildsDirectory", _builds.Path, .. cert.KestrelArgs]))
        {
            using var anonymous = WebSession.Anonymous(direct.BaseUri);
            Assert.Contains($"PUBKEYPIN='{cert.PublicKeyPin}'", await anonymous.Http.GetStringAsync("/install.sh"));
            Assert.Contains($"--pinnedpubkey 'sha256//{cert.PublicKeyPin}' {direct.BaseUri.ToString().TrimEnd('/')}/install.sh", InstallLine(await NewCodePageAsync(direct), "install-sh"));
        }

        // Behind a proxy, computers see the proxy's certificate, not Kestrel's: nothing is pinned unless PublicCertificatePath says what.
        await using var proxied = await ServerHost.StartAsync(null, null, ["--Presently:AgentBuildsDirectory", _builds.Path, "--Presently:KnownProxies:0", "127.0.0.1", .. cert.KestrelArgs]);
        using var viaProxy = WebSession.Anonymous(proxied.BaseUri);
        Assert.Contains("PUBKEYPIN=''", await viaProxy.Http.GetStringAsync("/install.sh"));
        Assert.StartsWith("curl -fsSL https://", InstallLine(await NewCodePageAsync(proxied), "install-sh"));
    }

    [Fact]
    public async Task A_fingerprint_alone_pins_PowerShell_and_the_agent_but_offers_no_shell_line()
    {
        const string fingerprint = "AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89";
        await using var pinned = await ServerHost.StartAsync(null, null, "--Presently:AgentBuildsDirectory", _builds.Path,
            "--Presently:PublicCertificateSha256", fingerprint, "--Presently:PublicUrl", "https://presently.example.com");
        using var anonymous = WebSession.Anonymous(pinned.BaseUri);
        var script = await anonymous.Http.GetStringAsync("/install.sh");
        Assert.Contains($"FINGERPRINT='{fingerprint}'", script);
        // No key to pin, so the script's downloads are checked by the system (no -k).
        Assert.Contains("PUBKEYPIN=''", script);
        Assert.Contains("SERVER='https://presently.example.com'", script);

        var html = await NewCodePageAsync(pinned);
        Assert.DoesNotContain("id=\"install-sh\"", html);
        Assert.DoesNotContain("curl -fsSL", html);
        var why = Regex.Match(html, "<p class=\"hint\" id=\"no-install-sh\">(.*?)</p>", RegexOptions.Singleline).Groups[1].Value;
        Assert.Contains("curl can pin only a public key", why);
        Assert.Contains("Presently:PublicCertificatePath", why);
        Assert.Contains(fingerprint.Replace(":", "", StringComparison.Ordinal), InstallLine(html, "install-ps1"));
    }

    [Fact]
    public async Task A_pin_over_plain_http_is_not_offered_and_the_script_refuses_it()
    {
        Requirements.Program("sh", "dash");
        using var dir = new TempDirectory();
        var cert = await SelfSignedCertificate.WriteAsync(dir.Path);
        await using var pinned = await ServerHost.StartAsync(null, null, "--Presently:AgentBuildsDirectory", _builds.Path,
            "--Presently:PublicCertificatePath", cert.CertPath);
        Assert.Equal("http", pinned.BaseUri.Scheme);

        Assert.Contains("can be pinned only over https", await NewCodePageAsync(pinned));
        using var anonymous = WebSession.Anonymous(pinned.BaseUri);
        await File.WriteAllTextAsync(dir.File("install.sh"), await anonymous.Http.GetStringAsync("/install.sh"));
        using var run = new ChildProcess("sh", [dir.File("install.sh"), "--code", "ABCD-EFGH-JKMN"], new Dictionary<string, string?> { ["HOME"] = dir.Path });
        await run.Process.WaitForExitAsync(new CancellationTokenSource(TimeSpan.FromSeconds(30)).Token);
        Assert.NotEqual(0, run.Process.ExitCode);
        Assert.Contains("is not https://; nothing was downloaded", run.Output);
        Assert.False(Directory.Exists(Path.Combine(dir.Path, ".local")));
    }

    public enum BadCertificate { Missing, NotACertificate, AKeyOnly, TooLarge, Pfx, OtherFingerprint }

    [Theory]
    [InlineData(BadCertificate.Missing, "no such file")]
    [InlineData(BadCertificate.NotACertificate, "holds no certificate (a PEM or DER X.509 certificate is needed)")]
    [InlineData(BadCertificate.AKeyOnly, "holds no certificate")]
    [InlineData(BadCertificate.TooLarge, "is larger than 64 KiB, so it is not a certificate")]
    [InlineData(BadCertificate.Pfx, "is a PFX; give the certificate alone")]
    [InlineData(BadCertificate.OtherFingerprint, "is not the fingerprint of PublicCertificatePath")]
    public async Task A_bad_certificate_file_stops_the_start_with_one_line(BadCertificate bad, string expected)
    {
        using var dir = new TempDirectory();
        var cert = await SelfSignedCertificate.WriteAsync(dir.Path);
        var path = dir.File("public.pem");
        string[] extra = [];
        switch (bad)
        {
            case BadCertificate.Missing:
                path = dir.File("no-such.pem");
                break;
            case BadCertificate.NotACertificate:
                await File.WriteAllTextAsync(path, "-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydGlmaWNhdGU=\n-----END CERTIFICATE-----\n");
                break;
            case BadCertificate.AKeyOnly:
                path = cert.KeyPath;
                break;
            case BadCertificate.TooLarge:
                await File.WriteAllTextAsync(path, await File.ReadAllTextAsync(cert.CertPath) + new string('#', PublicCertificate.MaxFileBytes));
                break;
            case BadCertificate.Pfx:
                using (var withKey = X509Certificate2.CreateFromPemFile(cert.CertPath, cert.KeyPath))
                    await File.WriteAllBytesAsync(path, withKey.Export(X509ContentType.Pfx, "secret"));
                break;
            case BadCertificate.OtherFingerprint:
                path = cert.CertPath;
                extra = ["--Presently:PublicCertificateSha256", string.Concat(Enumerable.Repeat("00", 32))];
                break;
        }

        using var data = new TempDirectory();
        var ex = await Assert.ThrowsAsync<OptionsValidationException>(() => ServerHost.StartAsync(data.Path, null, ["--Presently:PublicCertificatePath", path, .. extra]));
        var message = Assert.Single(ex.Failures);
        Assert.Contains(expected, message);
        Assert.Contains(path, message);
        Assert.DoesNotContain("\n", message);
    }

    [Fact]
    public async Task The_server_program_says_in_one_line_which_certificate_file_is_missing()
    {
        using var data = new TempDirectory();
        var missing = data.File("missing.pem");
        using var server = new ChildProcess("dotnet", [Path.Combine(AppContext.BaseDirectory, "presently-server.dll"), "--urls", "http://127.0.0.1:0",
            "--Presently:DataDirectory", data.Path, "--Presently:PublicCertificatePath", missing]);
        await server.Process.WaitForExitAsync(new CancellationTokenSource(TimeSpan.FromSeconds(60)).Token);
        Assert.Equal(2, server.Process.ExitCode);
        Assert.Equal($"presently-server: invalid settings: PublicCertificatePath {missing}: no such file", server.Output.Trim());
    }

    private static async Task<string> NewCodePageAsync(ServerHost server) =>
        await (await server.Admin.PostFormAsync("/admin/codes", "/admin/codes", new() { ["person"] = "ann", ["hours"] = "1" })).Content.ReadAsStringAsync();

    /// <summary>The line in the page's &lt;pre id=…&gt;, as the admin copies it.</summary>
    private static string InstallLine(string html, string id)
    {
        var match = Regex.Match(html, $"<pre class=\"install-line\" id=\"{id}\">(.*?)</pre>", RegexOptions.Singleline);
        Assert.True(match.Success, $"no {id} line in:\n{html}");
        return WebUtility.HtmlDecode(match.Groups[1].Value);
    }
}
