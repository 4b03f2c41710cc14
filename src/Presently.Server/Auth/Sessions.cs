using System.Globalization;
using System.Security.Claims;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.Extensions.Options;
using Presently.Server.Options;
using Presently.Storage;

namespace Presently.Server.Auth;

/// <summary>
/// A session cookie is only as good as the person row behind it: each request re-reads the person,
/// and the session ends when their security stamp changed (sign-out, password or role change,
/// "sign out everywhere"), when they are gone, or when it is older than Presently:SessionMaxAge.
/// The role comes from the database, so a demoted admin is a member at their next request.
/// </summary>
public static class Sessions
{
    public static async Task ValidateAsync(CookieValidatePrincipalContext ctx)
    {
        var user = ctx.Principal!;
        var services = ctx.HttpContext.RequestServices;
        var now = services.GetRequiredService<TimeProvider>().GetUtcNow();
        var maxAge = services.GetRequiredService<IOptions<ServerOptions>>().Value.SessionMaxAge;
        var person = user.PersonId() is > 0 and var id ? await services.GetRequiredService<IAccountStore>().GetPersonAsync(id, ctx.HttpContext.RequestAborted) : null;
        var signedIn = user.SignedIn();
        if (person is null || signedIn is null || now - signedIn.Value > maxAge
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

    private static DateTimeOffset? SignedIn(this ClaimsPrincipal user) =>
        long.TryParse(user.FindFirstValue(ClaimsExtensions.SignedInClaim), CultureInfo.InvariantCulture, out var ms) ? DateTimeOffset.FromUnixTimeMilliseconds(ms) : null;

    /// <summary>When this session began (kept across renewals and password changes), for the maximum age.</summary>
    public static DateTimeOffset SignedInAt(this ClaimsPrincipal user, TimeProvider time) => user.SignedIn() ?? time.GetUtcNow();
}
