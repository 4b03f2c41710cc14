using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Authentication.OpenIdConnect;
using Microsoft.IdentityModel.Protocols.OpenIdConnect;
using Presently.Server.Options;
using Presently.Storage;

namespace Presently.Server.Auth;

/// <summary>
/// Optional OpenID Connect sign-in from settings (Presently:Oidc). The provider vouches for a
/// name; the person must already exist here, and keeps the role they have here.
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
            o.Events.OnTokenValidated = async ctx =>
            {
                var name = ctx.Principal?.FindFirst(settings.NameClaim)?.Value;
                var accounts = ctx.HttpContext.RequestServices.GetRequiredService<IAccountStore>();
                var person = string.IsNullOrEmpty(name) || name.Length > 128 ? null : await accounts.FindPersonAsync(name);
                var audit = ctx.HttpContext.RequestServices.GetRequiredService<IAuditLog>();
                if (person is null)
                {
                    await audit.WriteAsync(DateTimeOffset.UtcNow, name ?? "", "sign-in failed", "oidc: no such person");
                    ctx.Fail($"no person named '{name}' here");
                    return;
                }
                ctx.Principal = ClaimsExtensions.For(person, CookieAuthenticationDefaults.AuthenticationScheme);
            };
            o.Events.OnRemoteFailure = ctx =>
            {
                ctx.Response.Redirect("/login?error=sso");
                ctx.HandleResponse();
                return Task.CompletedTask;
            };
        });
    }
}
