using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Authentication.OpenIdConnect;
using Microsoft.IdentityModel.Protocols.OpenIdConnect;
using Presently.Server.Options;
using Presently.Storage;

namespace Presently.Server.Auth;

/// <summary>
/// Optional OpenID Connect sign-in from settings (Presently:Oidc). A name at the provider proves
/// nothing here (anyone may pick "admin" there): a person is matched by the provider account
/// (issuer + subject) bound to them, or, the first time, by an e-mail address an admin set for
/// them that the provider says it verified; that first sign-in binds the account. The person
/// must already exist here, and keeps the role they have here.
/// </summary>
public static class OidcSetup
{
    public const string Scheme = "oidc";

    public static void AddPresentlyOidc(this AuthenticationBuilder auth, IConfiguration configuration)
    {
        var settings = configuration.GetSection("Presently:Oidc").Get<OidcOptions>() ?? new OidcOptions();
        if (!settings.Enabled) return;
        if (!Uri.TryCreate(settings.Authority, UriKind.Absolute, out var authority) || (authority.Scheme != "https" && !authority.IsLoopback))
            throw new FormatException($"Presently:Oidc:Authority must be an https:// address (got '{settings.Authority}')");
        if (string.IsNullOrEmpty(settings.ClientId)) throw new FormatException("Presently:Oidc:ClientId is required when Presently:Oidc:Authority is set");

        auth.AddOpenIdConnect(Scheme, settings.DisplayName, o =>
        {
            o.Authority = settings.Authority;
            o.ClientId = settings.ClientId;
            o.ClientSecret = settings.ClientSecret;
            o.RequireHttpsMetadata = authority.Scheme == "https";
            o.ResponseType = OpenIdConnectResponseType.Code;
            o.UsePkce = true;
            // A query-string answer is a top-level GET, so the SameSite=Lax correlation cookies come back with it.
            o.ResponseMode = OpenIdConnectResponseMode.Query;
            o.CorrelationCookie.SameSite = SameSiteMode.Lax;
            o.NonceCookie.SameSite = SameSiteMode.Lax;
            o.CorrelationCookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
            o.NonceCookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
            o.SignInScheme = CookieAuthenticationDefaults.AuthenticationScheme;
            o.CallbackPath = "/signin-oidc";
            o.MapInboundClaims = false;
            o.SaveTokens = false;
            o.Scope.Clear();
            o.Scope.Add("openid");
            o.Scope.Add("profile");
            o.Scope.Add("email");
            o.EventsType = typeof(OidcEvents);
        });
        auth.Services.AddScoped(sp => new OidcEvents(sp.GetRequiredService<IAccountStore>(), sp.GetRequiredService<IAuditLog>(), sp.GetRequiredService<TimeProvider>(), settings.NameClaim));
    }

    /// <summary>Signs in the person bound to the provider account (see MatchAsync), or sends the browser back to sign-in.</summary>
    private sealed class OidcEvents(IAccountStore accounts, IAuditLog audit, TimeProvider time, string nameClaim) : OpenIdConnectEvents
    {
        public override async Task TokenValidated(TokenValidatedContext ctx)
        {
            var (person, why) = await MatchAsync(ctx.Principal!, ctx.SecurityToken.Issuer, accounts, audit, time, nameClaim);
            if (person is null)
            {
                ctx.Fail(why);
                return;
            }
            ctx.Principal = ClaimsExtensions.For(person, CookieAuthenticationDefaults.AuthenticationScheme, time.GetUtcNow());
        }

        public override Task RemoteFailure(RemoteFailureContext ctx)
        {
            ctx.Response.Redirect("/login?error=sso");
            ctx.HandleResponse();
            return Task.CompletedTask;
        }
    }

    /// <summary>The person this provider account is, or why none.</summary>
    private static async Task<(Person? Person, string Why)> MatchAsync(System.Security.Claims.ClaimsPrincipal claims, string issuer, IAccountStore accounts, IAuditLog audit, TimeProvider time, string nameClaim)
    {
        var subject = claims.FindFirst("sub")?.Value;
        var shownAs = claims.FindFirst(nameClaim)?.Value ?? subject ?? "";
        if (string.IsNullOrEmpty(issuer) || string.IsNullOrEmpty(subject) || subject.Length > 255)
            return await RefuseAsync("oidc: no subject in the token");
        if (await accounts.FindByOidcAsync(issuer, subject) is { } bound) return (bound, "");

        var email = claims.FindFirst("email")?.Value;
        var verified = string.Equals(claims.FindFirst("email_verified")?.Value, "true", StringComparison.OrdinalIgnoreCase);
        if (!verified || string.IsNullOrWhiteSpace(email) || email.Length > 254)
            return await RefuseAsync("oidc: no person bound to this account, and no verified e-mail");
        // Only a person not yet bound: once bound, their provider account is the one way in.
        if (await accounts.FindByEmailAsync(email) is not { OidcSubject: null } person || !await accounts.BindOidcAsync(person.Id, issuer, subject))
            return await RefuseAsync("oidc: no person bound to this account, and no unbound person with this e-mail");
        await audit.WriteAsync(time.GetUtcNow(), person.Name, "bound single sign-on account", person.Name, $"{issuer} {subject} ({email})");
        return (person, "");

        async Task<(Person?, string)> RefuseAsync(string why)
        {
            await audit.WriteAsync(time.GetUtcNow(), shownAs, "sign-in failed", why, subject is null ? null : $"{issuer} {subject}");
            return (null, why);
        }
    }
}
