using System.Globalization;
using System.Security.Claims;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.Extensions.Options;
using Presently.Server.Options;
using Presently.Storage;

namespace Presently.Server.Auth;

/// <summary>
/// The cookie handler's events. A session cookie is only as good as the person row behind it: each
/// request re-reads the person, and the session ends when their security stamp changed (sign-out,
/// password or role change, "sign out everywhere"), when they are gone, or when it is older than
/// Presently:SessionMaxAge. The role comes from the database, so a demoted admin is a member at
/// their next request. APIs and WebSockets answer 401/403; only pages redirect to the sign-in form.
/// </summary>
public sealed class SessionEvents(IAccountStore accounts, TimeProvider time, IOptions<ServerOptions> options) : CookieAuthenticationEvents
{
    public override async Task ValidatePrincipal(CookieValidatePrincipalContext ctx)
    {
        var user = ctx.Principal!;
        var now = time.GetUtcNow();
        var person = user.PersonId() is > 0 and var id ? await accounts.GetPersonAsync(id, ctx.HttpContext.RequestAborted) : null;
        var signedIn = user.SignedIn();
        if (person is null || signedIn is null || now - signedIn.Value > options.Value.SessionMaxAge
            || person.SecurityStamp.Length == 0 || person.SecurityStamp != user.FindFirstValue(ClaimsExtensions.StampClaim))
        {
            ctx.RejectPrincipal();
            await ctx.HttpContext.SignOutAsync(CookieAuthenticationDefaults.AuthenticationScheme);
            return;
        }
        if (person.Name != user.PersonName() || (person.Role == Role.Admin) != user.IsAdmin())
        {
            ctx.ReplacePrincipal(ClaimsExtensions.For(person, CookieAuthenticationDefaults.AuthenticationScheme, signedIn.Value));
            ctx.ShouldRenew = true;
        }
    }

    public override Task RedirectToLogin(RedirectContext<CookieAuthenticationOptions> ctx) => Deny(ctx, StatusCodes.Status401Unauthorized);

    public override Task RedirectToAccessDenied(RedirectContext<CookieAuthenticationOptions> ctx) => Deny(ctx, StatusCodes.Status403Forbidden);

    private static Task Deny(RedirectContext<CookieAuthenticationOptions> ctx, int status)
    {
        var path = ctx.Request.Path;
        if (path.StartsWithSegments("/api") || path.StartsWithSegments("/board/ws") || ctx.Request.Method != HttpMethods.Get)
        {
            ctx.Response.StatusCode = status;
            return Task.CompletedTask;
        }
        ctx.Response.Redirect(ctx.RedirectUri);
        return Task.CompletedTask;
    }
}

public static class Sessions
{
    internal static DateTimeOffset? SignedIn(this ClaimsPrincipal user) =>
        long.TryParse(user.FindFirstValue(ClaimsExtensions.SignedInClaim), CultureInfo.InvariantCulture, out var ms) ? Instants.FromMs(ms) : null;

    /// <summary>When this session began (kept across renewals and password changes), for the maximum age.</summary>
    public static DateTimeOffset SignedInAt(this ClaimsPrincipal user, TimeProvider time) => user.SignedIn() ?? time.GetUtcNow();
}
