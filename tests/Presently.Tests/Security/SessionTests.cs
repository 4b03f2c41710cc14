using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Presently.Storage;
using Presently.Tests.Fixtures;

namespace Presently.Tests.Security;

/// <summary>A session ends when it should: sign-out, a password change, demotion, "sign out everywhere", its maximum age.</summary>
public sealed class SessionTests : IAsyncLifetime
{
    private ServerHost _server = null!;

    public async ValueTask InitializeAsync() => _server = await ServerHost.StartAsync();

    public async ValueTask DisposeAsync() => await _server.DisposeAsync();

    private static string CookieOf(WebSession session) =>
        session.Cookies.GetCookies(session.Http.BaseAddress!)["presently"]?.Value ?? throw new InvalidOperationException("no session cookie");

    private WebSession Replay(string cookie)
    {
        var session = WebSession.Anonymous(_server.BaseUri);
        session.Cookies.Add(new Cookie("presently", cookie, "/", _server.BaseUri.Host));
        return session;
    }

    private static async Task AssertSignedOutAsync(WebSession session, string because)
    {
        var response = await session.Http.GetAsync("/account");
        Assert.True(response.StatusCode == HttpStatusCode.Redirect && response.Headers.Location!.OriginalString.Contains("/login", StringComparison.Ordinal),
            $"{because}: GET /account gave {(int)response.StatusCode} {response.Headers.Location}");
    }

    [Fact]
    public async Task A_cookie_replayed_after_sign_out_is_refused()
    {
        using var sam = await _server.SignInAsync("sam", Role.Member);
        var cookie = CookieOf(sam);
        Assert.Equal(HttpStatusCode.OK, (await sam.Http.GetAsync("/account")).StatusCode);
        var signedOut = await sam.PostFormAsync("/account", "/logout", []);
        Assert.Equal("/login", signedOut.Headers.Location?.OriginalString);

        using var replay = Replay(cookie);
        await AssertSignedOutAsync(replay, "the cookie of a signed-out session");
    }

    [Fact]
    public async Task A_password_change_ends_the_other_sessions_and_keeps_this_one()
    {
        using var first = await _server.SignInAsync("pat", Role.Member, "first-password-1");
        using var second = await WebSession.SignInAsync(_server.BaseUri, "pat", "first-password-1");
        var changed = await second.PostFormAsync("/account", "/account", new() { ["current"] = "first-password-1", ["password"] = "second-password-2", ["confirm"] = "second-password-2" });
        Assert.Equal(HttpStatusCode.OK, changed.StatusCode);

        await AssertSignedOutAsync(first, "a session from before the password change");
        Assert.Equal(HttpStatusCode.OK, (await second.Http.GetAsync("/account")).StatusCode);
    }

    [Fact]
    public async Task Sign_out_everywhere_ends_every_session_of_that_person()
    {
        using var laptop = await _server.SignInAsync("eve", Role.Member, "eve-password-12");
        using var phone = await WebSession.SignInAsync(_server.BaseUri, "eve", "eve-password-12");
        using var other = await _server.SignInAsync("otto", Role.Member);
        Assert.Contains("Sign out everywhere", await laptop.Http.GetStringAsync("/account"));
        var response = await laptop.PostFormAsync("/account", "/account/sign-out-everywhere", []);
        Assert.Equal("/login", response.Headers.Location?.OriginalString);

        await AssertSignedOutAsync(laptop, "the session that signed out everywhere");
        await AssertSignedOutAsync(phone, "another session of the same person");
        Assert.Equal(HttpStatusCode.OK, (await other.Http.GetAsync("/account")).StatusCode);
    }

    [Fact]
    public async Task A_demoted_admin_is_a_member_at_once()
    {
        using var ada = await _server.SignInAsync("ada", Role.Admin);
        Assert.Equal(HttpStatusCode.OK, (await ada.Http.GetAsync("/admin/agents")).StatusCode);

        await _server.Services.GetRequiredService<IAccountStore>().SavePersonAsync("ada", Role.Member, null);

        // A new role ends the session; signed in again, ada is a member.
        var admin = await ada.Http.GetAsync("/admin/agents");
        Assert.True(admin.StatusCode != HttpStatusCode.OK, "a demoted admin still sees the admin pages");
        using var again = await _server.SignInAsync("ada", Role.Member);
        Assert.Contains("/denied", (await again.Http.GetAsync("/admin/agents")).Headers.Location?.OriginalString);
        Assert.Equal(HttpStatusCode.OK, (await again.Http.GetAsync("/")).StatusCode);
    }

    [Fact]
    public async Task An_admin_changes_a_role_on_the_people_page_and_it_holds_at_once()
    {
        using var bo = await _server.SignInAsync("bo", Role.Member);
        var id = (await _server.Services.GetRequiredService<IAccountStore>().FindPersonAsync("bo"))!.Id;
        var promoted = await _server.Admin.PostFormAsync("/admin/people", $"/admin/people/{id}", new() { ["role"] = "admin", ["email"] = "" });
        Assert.Equal(HttpStatusCode.Redirect, promoted.StatusCode);
        await AssertSignedOutAsync(bo, "a session from before a role change");
        using var boAdmin = await WebSession.SignInAsync(_server.BaseUri, "bo", "member-password-123");
        Assert.Equal(HttpStatusCode.OK, (await boAdmin.Http.GetAsync("/admin/agents")).StatusCode);

        // An admin cannot demote themselves (so the last admin cannot lock everyone out by mistake).
        var own = (await _server.Services.GetRequiredService<IAccountStore>().FindPersonAsync(ServerHost.AdminName))!.Id;
        Assert.Equal(HttpStatusCode.BadRequest, (await _server.Admin.PostFormAsync("/admin/people", $"/admin/people/{own}", new() { ["role"] = "member", ["email"] = "" })).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await _server.Http.GetAsync("/admin/agents")).StatusCode);
    }

    [Fact]
    public async Task Every_person_has_a_security_stamp_whoever_created_them()
    {
        // The span store creates the owners of agents it first hears of, without the account store.
        await _server.Store.RegisterAgentAsync(new AgentRegistration("sid-1", "sid", "h", "Linux", "1", [], TimeProvider.System.GetUtcNow(), 0), sharedCredential: true);
        var sid = await _server.Services.GetRequiredService<IAccountStore>().FindPersonAsync("sid");
        Assert.Matches("^[0-9a-f]{32}$", sid!.SecurityStamp);
    }

    [Fact]
    public async Task A_session_ends_at_its_maximum_age_even_when_used_all_along()
    {
        var time = new FakeTimeProvider(TimeProvider.System.GetUtcNow());
        await using var server = await ServerHost.StartAsync(null, time);
        using var max = await server.SignInAsync("max", Role.Member);
        // Each request more than half way through the 12-hour sliding window renews it.
        for (var hours = 7; hours < 7 * 24; hours += 7)
        {
            time.Advance(TimeSpan.FromHours(7));
            Assert.True((await max.Http.GetAsync("/account")).StatusCode == HttpStatusCode.OK, $"the session ended after {hours} h");
        }
        time.Advance(TimeSpan.FromHours(8)); // 7 days and 1 hour after signing in
        await AssertSignedOutAsync(max, "a session older than 7 days");
    }
}
