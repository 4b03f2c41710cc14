using System.Net;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.HttpOverrides;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;
using Presently.Server.Options;
using Presently.Storage;

namespace Presently.Server.Auth;

/// <summary>Sign-in, sessions, roles, antiforgery, request size limits, rate limits and security headers.</summary>
public static class AuthSetup
{
    public const string AuthRateLimit = "auth";
    public const string EnrollRateLimit = "enroll";

    /// <summary>Largest request body (forms, the enrollment API): every form here is a few hundred bytes.</summary>
    public const long MaxRequestBodyBytes = 64 * 1024;

    /// <summary>Largest form field: passwords are at most 1024 characters, names 128.</summary>
    public const int MaxFormFieldLength = 4 * 1024;

    public const int MaxFormFields = 64;

    // Bearer-authenticated endpoints that browsers never call with the session cookie.
    private static readonly string[] NoCookieEndpoints = ["/agent/v1", "/api/v1/enroll"];

    public static void AddPresentlyAuth(this WebApplicationBuilder builder)
    {
        // Sessions by cookie everywhere; personal API tokens only under /api/v1, and only when a request carries one.
        var authentication = builder.Services.AddAuthentication(ApiTokenAuthentication.Selector);
        authentication.AddPolicyScheme(ApiTokenAuthentication.Selector, null, o => o.ForwardDefaultSelector = ApiTokenAuthentication.SchemeFor);
        authentication.AddScheme<ApiTokenOptions, ApiTokenHandler>(ApiTokenAuthentication.Scheme, null);
        builder.Services.AddSingleton<ApiTokenFailures>();
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
            // Every request checks the session against the person's security stamp, role and the maximum age.
            o.EventsType = typeof(SessionEvents);
        });
        builder.Services.AddScoped<SessionEvents>();
        // The cookie handler's clock is the server's, so tests can age a session with a fake clock.
        builder.Services.AddOptions<CookieAuthenticationOptions>(CookieAuthenticationDefaults.AuthenticationScheme)
            .Configure<TimeProvider>((o, time) => o.TimeProvider = time);
        builder.WebHost.ConfigureKestrel(o => o.Limits.MaxRequestBodySize = MaxRequestBodyBytes);
        builder.Services.Configure<FormOptions>(o =>
        {
            o.ValueLengthLimit = MaxFormFieldLength;
            o.ValueCountLimit = MaxFormFields;
            o.KeyLengthLimit = 256;
            o.MultipartBodyLengthLimit = MaxRequestBodyBytes;
            o.BufferBodyLengthLimit = MaxRequestBodyBytes;
        });
        builder.Services.AddSingleton<PasswordCheck>();
        builder.Services.AddAuthorizationBuilder()
            .AddPolicy(Policies.Admin, p => p.RequireRole("admin").AddRequirements(new ApiTokenScopeRequirement()))
            .AddPolicy(Policies.Member, p => p.RequireAuthenticatedUser().AddRequirements(new ApiTokenScopeRequirement()));
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

    /// <summary>Proxy headers and the security headers: first, so that every response (static files too) has them.</summary>
    public static void UsePresentlyHeaders(this WebApplication app)
    {
        app.UseForwardedHeaders();
        app.Use(SecurityHeaders);
        app.UseWhen(ctx => ctx.Request.IsHttps, https => https.UseHsts());
    }

    public static void UsePresentlyAuth(this WebApplication app)
    {
        app.UseRateLimiter();
        app.UseAuthentication();
        app.UseAuthorization();
        app.Use(ReadFormWithinLimits);
        app.UseAntiforgery();
        var antiforgery = app.Services.GetRequiredService<IAntiforgery>(); // a singleton: resolved once, at start
        app.Use((ctx, next) => RequireAntiforgery(ctx, next, antiforgery));
    }

    private static bool IsSafe(string method) => HttpMethods.IsGet(method) || HttpMethods.IsHead(method) || HttpMethods.IsOptions(method) || HttpMethods.IsTrace(method);

    /// <summary>
    /// Reads a posted form here, within the limits, so that a too large one is refused (413/400)
    /// before any endpoint or the antiforgery check buffers it.
    /// </summary>
    private static async Task ReadFormWithinLimits(HttpContext ctx, RequestDelegate next)
    {
        if (!IsSafe(ctx.Request.Method) && ctx.Request.HasFormContentType)
        {
            if (ctx.Request.ContentLength > MaxRequestBodyBytes)
            {
                await Refuse(ctx, StatusCodes.Status413PayloadTooLarge, $"a form may have at most {MaxRequestBodyBytes / 1024} KiB");
                return;
            }
            try
            {
                await ctx.Request.ReadFormAsync(ctx.RequestAborted);
            }
            catch (BadHttpRequestException e)
            {
                await Refuse(ctx, e.StatusCode, $"a form may have at most {MaxRequestBodyBytes / 1024} KiB");
                return;
            }
            catch (InvalidDataException)
            {
                await Refuse(ctx, StatusCodes.Status400BadRequest, $"the form is malformed or too large (at most {MaxFormFields} fields of at most {MaxFormFieldLength} characters)");
                return;
            }
        }
        await next(ctx);
    }

    /// <summary>
    /// Every state-changing request needs the antiforgery token, not only those that bind a form
    /// (minimal APIs check only those): a post with no fields, like "block", is a change too.
    /// </summary>
    private static async Task RequireAntiforgery(HttpContext ctx, RequestDelegate next, IAntiforgery antiforgery)
    {
        // Endpoints that bind a form were checked by UseAntiforgery already and refuse a bad token themselves.
        if (!IsSafe(ctx.Request.Method) && ctx.Features.Get<IAntiforgeryValidationFeature>() is null
            && !NoCookieEndpoints.Any(p => ctx.Request.Path.Equals(p, StringComparison.OrdinalIgnoreCase)))
        {
            try
            {
                await antiforgery.ValidateRequestAsync(ctx);
            }
            catch (AntiforgeryValidationException)
            {
                await Refuse(ctx, StatusCodes.Status400BadRequest, "the antiforgery token is missing or invalid: reload the page and try again");
                return;
            }
        }
        await next(ctx);
    }

    private static Task Refuse(HttpContext ctx, int status, string message)
    {
        ctx.Response.StatusCode = status;
        return ctx.Response.WriteAsync(message + "\n");
    }

    private static RateLimitPartition<string> PerAddressPerMinute(HttpContext ctx)
    {
        var perMinute = ctx.RequestServices.GetRequiredService<IOptions<ServerOptions>>().Value.AuthAttemptsPerMinute;
        return RateLimitPartition.GetFixedWindowLimiter(ctx.Connection.RemoteIpAddress?.ToString() ?? "unknown",
            _ => new FixedWindowRateLimiterOptions { PermitLimit = perMinute, Window = TimeSpan.FromMinutes(1), QueueLimit = 0 });
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
