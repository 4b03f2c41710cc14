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

    /// <summary>An admin sets the person's e-mail on the People page.</summary>
    private async Task SetEmailAsync(string person, string email, string role = "member")
    {
        var id = (await _server.Services.GetRequiredService<IAccountStore>().FindPersonAsync(person))!.Id;
        using var admin = await _server.SignInAsync("oidc-admin", Role.Admin);
        var response = await admin.PostFormAsync("/admin/people", $"/admin/people/{id}", new() { ["email"] = email, ["role"] = role });
        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
    }

    private static async Task<string?> SignedInAsAsync(WebSession browser)
    {
        var landed = await FollowAsync(browser, "/login/oidc?returnUrl=/");
        var html = await landed.Content.ReadAsStringAsync();
        if (!html.Contains("Who is doing what", StringComparison.Ordinal)) return null;
        return System.Text.RegularExpressions.Regex.Match(html, "<a href=\"/account\">([^<]*)</a>").Groups[1].Value;
    }

    [Fact]
    public async Task A_verified_email_set_by_an_admin_signs_in_once_then_the_subject_is_bound()
    {
        await _server.Services.GetRequiredService<IAccountStore>().SavePersonAsync("olive", Role.Member, null);
        await SetEmailAsync("olive", "Olive@Example.com");
        using var browser = WebSession.Anonymous(_server.BaseUri);
        Assert.Contains("Sign in with Test IdP", await browser.Http.GetStringAsync("/login"));

        _idp.User = "o.l";
        _idp.Subject = "olive-at-idp";
        _idp.Email = "olive@example.com";
        _idp.EmailVerified = true;
        Assert.Equal("olive", await SignedInAsAsync(browser));
        Assert.Equal(HttpStatusCode.Redirect, (await browser.Http.GetAsync("/admin/agents")).StatusCode); // a member, not an admin

        // Bound: the same subject signs in without any e-mail, and no other subject gets in with that e-mail.
        _idp.Email = null;
        using var again = WebSession.Anonymous(_server.BaseUri);
        Assert.Equal("olive", await SignedInAsAsync(again));
        _idp.Subject = "someone-else";
        _idp.Email = "olive@example.com";
        using var other = WebSession.Anonymous(_server.BaseUri);
        Assert.Null(await SignedInAsAsync(other));
    }

    [Fact]
    public async Task The_same_name_at_the_provider_does_not_sign_in_as_an_admin_here()
    {
        await _server.SignInAsync("root", Role.Admin);
        _idp.User = "root";
        _idp.Subject = "attacker";
        using var browser = WebSession.Anonymous(_server.BaseUri);
        Assert.Null(await SignedInAsAsync(browser));
        Assert.Equal(HttpStatusCode.Redirect, (await browser.Http.GetAsync("/admin/agents")).StatusCode);

        // Nor does an e-mail the provider has not verified.
        await SetEmailAsync("root", "root@example.com", "admin");
        _idp.Email = "root@example.com";
        _idp.EmailVerified = false;
        using var unverified = WebSession.Anonymous(_server.BaseUri);
        Assert.Null(await SignedInAsAsync(unverified));
    }

    [Fact]
    public async Task Someone_the_provider_knows_but_Presently_does_not_is_turned_away()
    {
        _idp.User = "stranger";
        using var browser = WebSession.Anonymous(_server.BaseUri);
        var landed = await FollowAsync(browser, "/login/oidc?returnUrl=/");
        Assert.Contains("Single sign-on did not sign you in", await landed.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.Redirect, (await browser.Http.GetAsync("/")).StatusCode);
        Assert.Contains("oidc: no person bound", await (await _server.SignInAsync("oidc-admin", Role.Admin)).Http.GetStringAsync("/admin/audit"));
    }
}
