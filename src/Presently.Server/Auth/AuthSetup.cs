using System.Net;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.HttpOverrides;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;
using Presently.Server.Options;
using Presently.Storage;

namespace Presently.Server.Auth;

/// <summary>Sign-in, roles, antiforgery, rate limits and security headers.</summary>
public static class AuthSetup
{
    public const string AuthRateLimit = "auth";
    public const string EnrollRateLimit = "enroll";

    public static void AddPresentlyAuth(this WebApplicationBuilder builder)
    {
        var authentication = builder.Services.AddAuthentication(CookieAuthenticationDefaults.AuthenticationScheme);
        authentication.AddPresentlyOidc(builder.Configuration);
        authentication.AddCookie(o =>
        {
            o.LoginPath = "/login";
            o.LogoutPath = "/logout";
            o.AccessDeniedPath = "/denied";
            o.Cookie.Name = "presently";
            o.Cookie.HttpOnly = true;
            o.Cookie.SameSite = SameSiteMode.Lax;
            o.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest; // Secure whenever served over HTTPS
            o.ExpireTimeSpan = TimeSpan.FromHours(12);
            o.SlidingExpiration = true;
            // APIs and WebSockets answer 401/403; only pages redirect to the sign-in form.
            o.Events.OnRedirectToLogin = ctx => Deny(ctx, StatusCodes.Status401Unauthorized);
            o.Events.OnRedirectToAccessDenied = ctx => Deny(ctx, StatusCodes.Status403Forbidden);
        });
        builder.Services.AddAuthorizationBuilder()
            .AddPolicy(Policies.Admin, p => p.RequireRole("admin"))
            .AddPolicy(Policies.Member, p => p.RequireAuthenticatedUser());
        builder.Services.AddAntiforgery(o =>
        {
            o.Cookie.Name = "presently-csrf";
            o.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
        });
        builder.Services.AddSingleton<IPasswordHasher<Person>, PasswordHasher<Person>>();
        builder.Services.AddRateLimiter(o =>
        {
            o.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            // Separate budgets, so guessing codes cannot lock people out of signing in (and the reverse).
            o.AddPolicy(AuthRateLimit, PerAddressPerMinute);
            o.AddPolicy(EnrollRateLimit, PerAddressPerMinute);
        });
        builder.Services.AddHsts(o =>
        {
            o.MaxAge = TimeSpan.FromDays(365);
            o.ExcludedHosts.Clear(); // only ever sent over HTTPS, where it is right for loopback too
        });
        builder.Services.Configure<ForwardedHeadersOptions>(o =>
        {
            // With no known proxy the framework would believe any sender, so forwarded headers are
            // honoured only when proxies are configured, and only from them.
            var proxies = (builder.Configuration.GetSection("Presently:KnownProxies").Get<string[]>() ?? [])
                .Select(p => IPAddress.TryParse(p, out var ip) ? ip : null).OfType<IPAddress>().ToList();
            o.KnownProxies.Clear();
            o.KnownIPNetworks.Clear();
            foreach (var ip in proxies) o.KnownProxies.Add(ip);
            o.ForwardedHeaders = proxies.Count == 0 ? ForwardedHeaders.None
                : ForwardedHeaders.XForwardedFor | ForwardedHeaders.XForwardedProto | ForwardedHeaders.XForwardedHost;
        });
    }

    public static void UsePresentlyAuth(this WebApplication app)
    {
        app.UseForwardedHeaders();
        app.Use(SecurityHeaders);
        app.UseWhen(ctx => ctx.Request.IsHttps, https => https.UseHsts());
        app.UseRateLimiter();
        app.UseAuthentication();
        app.UseAuthorization();
        app.UseAntiforgery();
    }

    private static RateLimitPartition<string> PerAddressPerMinute(HttpContext ctx)
    {
        var perMinute = ctx.RequestServices.GetRequiredService<IOptions<ServerOptions>>().Value.AuthAttemptsPerMinute;
        return RateLimitPartition.GetFixedWindowLimiter(ctx.Connection.RemoteIpAddress?.ToString() ?? "unknown",
            _ => new FixedWindowRateLimiterOptions { PermitLimit = perMinute, Window = TimeSpan.FromMinutes(1), QueueLimit = 0 });
    }

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

    // No inline script anywhere: every script is a file served from here.
    private const string ContentSecurityPolicy =
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
        "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

    private static Task SecurityHeaders(HttpContext ctx, RequestDelegate next)
    {
        var h = ctx.Response.Headers;
        h.ContentSecurityPolicy = ContentSecurityPolicy;
        h.XContentTypeOptions = "nosniff";
        h.XFrameOptions = "DENY";
        h["Referrer-Policy"] = "same-origin";
        return next(ctx);
    }
}
