using System.Net;
using Presently.Storage;
using Presently.Tests.Fixtures;

namespace Presently.Tests.Security;

/// <summary>Odd input gets a safe answer, never a 500; every response carries the security headers.</summary>
public sealed class RequestHygieneTests : IAsyncLifetime
{
    private ServerHost _server = null!;

    public async ValueTask InitializeAsync() => _server = await ServerHost.StartAsync();

    public async ValueTask DisposeAsync() => await _server.DisposeAsync();

    [Theory]
    [InlineData("/\t/evil.example")]
    [InlineData("/x\nLocation: http://evil.example/")]
    [InlineData("/\r\n/evil.example")]
    [InlineData("/\\evil.example")]
    [InlineData("//evil.example")]
    [InlineData("/ok\u0000")]
    public async Task A_return_url_with_control_characters_redirects_home_or_is_refused(string returnUrl)
    {
        using var _ = await _server.SignInAsync("rita", Role.Member, "rita-password-1");
        using var browser = WebSession.Anonymous(_server.BaseUri);
        Assert.Equal(HttpStatusCode.OK, (await browser.Http.GetAsync("/login?returnUrl=" + Uri.EscapeDataString(returnUrl))).StatusCode);

        var response = await browser.PostFormAsync("/login", "/login", new() { ["name"] = "rita", ["password"] = "rita-password-1", ["returnUrl"] = returnUrl });
        // Home, or refused as malformed (a NUL in a form is); never a 500, never somewhere else.
        Assert.True(response.StatusCode is HttpStatusCode.Redirect or HttpStatusCode.BadRequest, $"{(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
        if (response.StatusCode == HttpStatusCode.Redirect) Assert.Equal("/", response.Headers.Location?.OriginalString);
    }

    [Theory]
    [InlineData("/app.css")]
    [InlineData("/lib/htmx.min.js")]
    public async Task Static_files_carry_the_security_headers(string path)
    {
        using var anonymous = WebSession.Anonymous(_server.BaseUri);
        var response = await anonymous.Http.GetAsync(path);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.True(response.Headers.TryGetValues("Content-Security-Policy", out var csp), $"{path} has no Content-Security-Policy");
        Assert.Contains("script-src 'self'", string.Join(";", csp));
        Assert.Equal("nosniff", response.Headers.TryGetValues("X-Content-Type-Options", out var nosniff) ? nosniff.Single() : null);
    }
}
