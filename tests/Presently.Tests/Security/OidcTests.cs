using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Presently.Storage;
using Presently.Tests.Fixtures;

namespace Presently.Tests.Security;

/// <summary>OpenID Connect sign-in against a real (tiny) provider over loopback: code flow with PKCE.</summary>
public sealed class OidcTests : IAsyncLifetime
{
    private FakeOidcProvider _idp = null!;
    private ServerHost _server = null!;

    public async ValueTask InitializeAsync()
    {
        _idp = await FakeOidcProvider.StartAsync();
        _server = await ServerHost.StartAsync(null, null, signInAdmin: false,
            "--Presently:Oidc:Authority", _idp.Authority,
            "--Presently:Oidc:ClientId", FakeOidcProvider.ClientId,
            "--Presently:Oidc:ClientSecret", FakeOidcProvider.ClientSecret,
            "--Presently:Oidc:DisplayName", "Test IdP");
    }

    public async ValueTask DisposeAsync()
    {
        await _server.DisposeAsync();
        await _idp.DisposeAsync();
    }

    /// <summary>Follows redirects by hand, as a browser would, across the server and the provider.</summary>
    private static async Task<HttpResponseMessage> FollowAsync(WebSession browser, string start)
    {
        var url = new Uri(browser.Http.BaseAddress!, start);
        for (var hop = 0; hop < 10; hop++)
        {
            var response = await browser.Http.GetAsync(url);
            if (response.StatusCode is not (HttpStatusCode.Redirect or HttpStatusCode.Found or HttpStatusCode.SeeOther)) return response;
            url = new Uri(url, response.Headers.Location!);
            if (url.AbsolutePath == "/" || url.AbsolutePath == "/login") return await browser.Http.GetAsync(url);
        }
        throw new InvalidOperationException("too many redirects");
    }

    [Fact]
    public async Task A_known_person_signs_in_through_the_provider_with_their_role_here()
    {
        await _server.Services.GetRequiredService<IAccountStore>().SavePersonAsync("olive", Role.Member, null);
        using var browser = WebSession.Anonymous(_server.BaseUri);
        Assert.Contains("Sign in with Test IdP", await browser.Http.GetStringAsync("/login"));

        var landed = await FollowAsync(browser, "/login/oidc?returnUrl=/");
        Assert.Equal(HttpStatusCode.OK, landed.StatusCode);
        var board = await landed.Content.ReadAsStringAsync();
        Assert.Contains("Who is doing what", board);
        Assert.Contains(">olive<", board);
        Assert.Equal(HttpStatusCode.Redirect, (await browser.Http.GetAsync("/admin/agents")).StatusCode); // a member, not an admin
    }

    [Fact]
    public async Task Someone_the_provider_knows_but_Presently_does_not_is_turned_away()
    {
        _idp.User = "stranger";
        using var browser = WebSession.Anonymous(_server.BaseUri);
        var landed = await FollowAsync(browser, "/login/oidc?returnUrl=/");
        Assert.Contains("Single sign-on did not sign you in", await landed.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.Redirect, (await browser.Http.GetAsync("/")).StatusCode);
        Assert.Contains("oidc: no such person", await (await _server.SignInAsync("oidc-admin", Role.Admin)).Http.GetStringAsync("/admin/audit"));
    }
}
