using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Presently.Agent;
using Presently.Agent.Config;
using Presently.Agent.Journal;
using Presently.Agent.Uplink;
using Presently.Protocol;
using Presently.Tests.Fixtures;

namespace Presently.Tests.Security;

/// <summary>HTTPS with a self-signed certificate made here: pinning, a CA file, refusals that say why, HSTS and Secure cookies.</summary>
public sealed class TlsTests : IAsyncLifetime
{
    private readonly TempDirectory _dir = new();
    private ServerHost _server = null!;
    private string _fingerprint = "";

    public async ValueTask InitializeAsync()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=presently-test", key, HashAlgorithmName.SHA256);
        var san = new SubjectAlternativeNameBuilder();
        san.AddIpAddress(IPAddress.Loopback);
        san.AddDnsName("localhost");
        request.CertificateExtensions.Add(san.Build());
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        using var cert = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30));
        await File.WriteAllTextAsync(_dir.File("cert.pem"), cert.ExportCertificatePem());
        await File.WriteAllTextAsync(_dir.File("key.pem"), key.ExportPkcs8PrivateKeyPem());
        _fingerprint = TlsPolicy.Format(SHA256.HashData(cert.RawData));

        _server = await ServerHost.StartAsync(null, null, signInAdmin: true,
            "--urls", "https://127.0.0.1:0",
            "--Kestrel:Certificates:Default:Path", _dir.File("cert.pem"),
            "--Kestrel:Certificates:Default:KeyPath", _dir.File("key.pem"));
    }

    public async ValueTask DisposeAsync()
    {
        await _server.DisposeAsync();
        _dir.Dispose();
    }

    private async Task<string> NewCodeAsync()
    {
        var codes = Microsoft.Extensions.DependencyInjection.ServiceProviderServiceExtensions.GetRequiredService<Presently.Server.Agents.EnrollmentCodes>(_server.Services);
        return (await codes.CreateAsync("tls-person", "test", TimeSpan.FromHours(1))).Code;
    }

    private async Task<(int ExitCode, string Output)> EnrollAsync(Dictionary<string, string?> env)
    {
        using var home = new TempDirectory();
        return await AgentProcess.RunAsync(["enroll", "--server", _server.BaseUri.ToString(), "--code", await NewCodeAsync()], home.Path, env);
    }

    [Fact]
    public async Task An_agent_with_the_right_pin_enrolls_and_one_with_a_wrong_pin_refuses_and_says_why()
    {
        var right = await EnrollAsync(new() { ["PRESENTLY_AGENT_SERVERCERTIFICATESHA256"] = _fingerprint });
        Assert.True(right.ExitCode == 0, right.Output);

        var wrongPin = string.Concat(Enumerable.Repeat("AB:", 31)) + "AB";
        var wrong = await EnrollAsync(new() { ["PRESENTLY_AGENT_SERVERCERTIFICATESHA256"] = wrongPin });
        Assert.Equal(2, wrong.ExitCode);
        Assert.Contains("does not match the pinned", wrong.Output);
        Assert.Contains(_fingerprint, wrong.Output);

        var untrusted = await EnrollAsync([]);
        Assert.Equal(2, untrusted.ExitCode);
        Assert.Contains("not trusted by this system", untrusted.Output);
    }

    [Fact]
    public async Task A_CA_file_is_trusted_instead_of_the_system_store()
    {
        var result = await EnrollAsync(new() { ["PRESENTLY_AGENT_SERVERCAFILE"] = _dir.File("cert.pem") });
        Assert.True(result.ExitCode == 0, result.Output);
    }

    [Fact]
    public async Task The_uplink_streams_over_wss_only_to_the_pinned_server()
    {
        async Task<(bool Acked, string? Error)> StreamOnceAsync(string pin, string agentId)
        {
            using var dir = new TempDirectory();
            using var journal = SpanJournal.Open(new JournalOptions(dir.File("j")), new AgentLog(TextWriter.Null));
            var t = DateTimeOffset.UtcNow.AddMinutes(-1).ToUnixTimeMilliseconds();
            journal.Append([new SpanRecord(1, 1, t, t + 1000, SpanState.Active, "TlsApp", null, null)]);
            var tls = new TlsPolicy(new AgentSettings { ServerCertificateSha256 = pin });
            var uplink = new Uplink(new UplinkOptions(_server.AgentUri, ServerHost.Token,
                new Hello(1, agentId, "t", "h", "Linux", [], 0), TimeSpan.FromSeconds(1), tls), journal, () => DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(), new AgentLog(TextWriter.Null));
            using var stop = new CancellationTokenSource();
            var run = uplink.RunAsync(stop.Token);
            var sw = System.Diagnostics.Stopwatch.StartNew();
            while (journal.AckedSeq < 1 && uplink.Status.LastError is null && sw.Elapsed < TimeSpan.FromSeconds(10)) await Task.Delay(20);
            await stop.CancelAsync();
            await run;
            return (journal.AckedSeq >= 1, uplink.Status.LastError);
        }

        Assert.Equal("wss", _server.AgentUri.Scheme);
        var good = await StreamOnceAsync(_fingerprint, "tls-good");
        Assert.True(good.Acked, good.Error);
        var bad = await StreamOnceAsync(string.Concat(Enumerable.Repeat("00", 32)), "tls-bad");
        Assert.False(bad.Acked);
        Assert.Contains("does not match the pinned", bad.Error);
    }

    [Fact]
    public async Task HTTPS_responses_carry_HSTS_and_the_session_cookie_is_Secure()
    {
        var response = await _server.Http.GetAsync("/");
        Assert.Contains("max-age=", response.Headers.GetValues("Strict-Transport-Security").Single());
        using var anonymous = WebSession.Anonymous(_server.BaseUri);
        var login = await anonymous.PostFormAsync("/login", "/login", new() { ["name"] = ServerHost.AdminName, ["password"] = ServerHost.AdminPassword });
        var cookie = login.Headers.GetValues("Set-Cookie").Single(c => c.StartsWith("presently=", StringComparison.Ordinal));
        Assert.Contains("secure", cookie, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("httponly", cookie, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task Plain_http_to_another_computer_is_refused_before_anything_is_sent()
    {
        using var home = new TempDirectory();
        var (exit, output) = await AgentProcess.RunAsync(["enroll", "--server", "http://presently.example.com", "--code", "AAAA-BBBB-CCCC"], home.Path);
        Assert.Equal(2, exit);
        Assert.Contains("refusing plain ws:// to presently.example.com", output);
    }
}

/// <summary>Behind a reverse proxy: forwarded headers count only from configured proxies.</summary>
public sealed class ReverseProxyTests
{
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task X_Forwarded_Proto_is_honoured_only_from_known_proxies(bool trusted)
    {
        string[] extra = trusted ? ["--Presently:KnownProxies:0", "127.0.0.1"] : [];
        await using var server = await ServerHost.StartAsync(null, null, signInAdmin: false, extra);
        using var http = new HttpClient { BaseAddress = server.BaseUri };
        using var request = new HttpRequestMessage(HttpMethod.Get, "/healthz");
        request.Headers.Add("X-Forwarded-Proto", "https");
        var response = await http.SendAsync(request);
        Assert.Equal(trusted, response.Headers.Contains("Strict-Transport-Security"));
    }
}
