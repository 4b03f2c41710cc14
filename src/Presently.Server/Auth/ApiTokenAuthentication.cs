using System.Globalization;
using System.Security.Claims;
using System.Text.Encodings.Web;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;
using Presently.Server.Options;
using Presently.Storage;

namespace Presently.Server.Auth;

/// <summary>
/// Which scheme authenticates a request: a personal API token for a request under <c>/api/v1</c>
/// that carries <c>Authorization: Bearer …</c>, the session cookie for everything else. So a token
/// never opens a page, posts a form or opens the board socket, and cookies work as before.
/// </summary>
public static class ApiTokenAuthentication
{
    public const string Scheme = "api-token";

    /// <summary>The default scheme: forwards to <see cref="Scheme"/> or the cookie, per request.</summary>
    public const string Selector = "cookie-or-api-token";

    public const string ApiPrefix = "/api/v1";

    public const string TokenIdClaim = "presently:api-token";
    public const string ScopeClaim = "presently:api-token-scope";

    public static bool Applies(HttpRequest request) =>
        request.Path.StartsWithSegments(ApiPrefix, StringComparison.OrdinalIgnoreCase) && request.Headers.Authorization.Any(v => BearerValue(v) is not null);

    /// <summary>What follows "Bearer" (any case) and white space in an Authorization header, trimmed; null for any other scheme.</summary>
    public static string? BearerValue(string? header)
    {
        var value = header.AsSpan().Trim();
        const string bearer = "Bearer";
        return value.StartsWith(bearer, StringComparison.OrdinalIgnoreCase) && (value.Length == bearer.Length || char.IsWhiteSpace(value[bearer.Length]))
            ? value[bearer.Length..].Trim().ToString()
            : null;
    }

    public static string SchemeFor(HttpContext ctx) => Applies(ctx.Request) ? Scheme : CookieAuthenticationDefaults.AuthenticationScheme;

    /// <summary>The scope of the token this request was authenticated with; null for a session.</summary>
    public static ApiTokenScope? TokenScope(this ClaimsPrincipal user) =>
        user.Identity?.AuthenticationType == Scheme ? ApiTokenScopeNames.Parse(user.FindFirstValue(ScopeClaim)) : null;

    /// <summary>Whether a token of this scope may make this request: read is GET and HEAD under /api/v1.</summary>
    public static bool Allows(ApiTokenScope scope, HttpRequest request) =>
        scope == ApiTokenScope.Read && (HttpMethods.IsGet(request.Method) || HttpMethods.IsHead(request.Method))
        && request.Path.StartsWithSegments(ApiPrefix, StringComparison.OrdinalIgnoreCase);
}

public sealed class ApiTokenOptions : AuthenticationSchemeOptions;

/// <summary>
/// Authenticates a personal API token as its person, with their role as stored now (so a demoted
/// admin's token reads as a member at its next call, and a removed person's token fails). A
/// missing, malformed, unknown or revoked token answers 401 with a one-line problem, never a
/// redirect; an address that has failed too often in the last minute gets 429 without a lookup.
/// </summary>
public sealed class ApiTokenHandler(IOptionsMonitor<ApiTokenOptions> options, ILoggerFactory logger, UrlEncoder encoder,
    IAccountStore accounts, ApiTokenFailures failures, IProblemDetailsService problems, TimeProvider time)
    : AuthenticationHandler<ApiTokenOptions>(options, logger, encoder)
{
    // Why this request's token failed, kept for the challenge that answers it.
    private string? _failure;
    private bool _tooMany;

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var headers = Request.Headers.Authorization;
        if (headers.Count == 0) return AuthenticateResult.NoResult();
        var address = Context.Connection.RemoteIpAddress?.ToString() ?? "unknown";
        if (failures.Exhausted(address))
        {
            _tooMany = true;
            return Fail("too many failed API token attempts from this address: try again in a minute");
        }
        // One header with one well-formed token, checked before anything is hashed or looked up.
        var token = headers.Count == 1 ? ApiTokenAuthentication.BearerValue(headers[0]) ?? "" : "";
        if (!ApiTokens.IsWellFormed(token))
        {
            failures.Count(address);
            return Fail($"send one header Authorization: Bearer {ApiTokens.Prefix}… with a token from your account page");
        }
        var match = await accounts.FindApiTokenAsync(Secrets.Sha256Hex(token), Context.RequestAborted);
        if (match is null)
        {
            failures.Count(address);
            return Fail("the API token is unknown or revoked");
        }

        var now = time.GetUtcNow();
        if (match.Token.LastUsed is not { } last || now - last >= ApiTokens.UseRecordInterval)
            await accounts.RecordApiTokenUseAsync(match.Token.Id, now, ApiTokens.UseRecordInterval, Context.RequestAborted);
        var user = ClaimsExtensions.For(match.Person, ApiTokenAuthentication.Scheme, now);
        ((ClaimsIdentity)user.Identity!).AddClaims([
            new Claim(ApiTokenAuthentication.TokenIdClaim, match.Token.Id.ToString(CultureInfo.InvariantCulture)),
            new Claim(ApiTokenAuthentication.ScopeClaim, match.Token.Scope.Name()),
        ]);
        return AuthenticateResult.Success(new AuthenticationTicket(user, ApiTokenAuthentication.Scheme));
    }

    private AuthenticateResult Fail(string why)
    {
        _failure = why;
        return AuthenticateResult.Fail(why);
    }

    protected override async Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        await HandleAuthenticateOnceSafeAsync();
        Response.Headers.WWWAuthenticate = "Bearer realm=\"presently\", error=\"invalid_token\"";
        if (_tooMany) Response.Headers.RetryAfter = "60";
        await WriteProblemAsync(_tooMany ? StatusCodes.Status429TooManyRequests : StatusCodes.Status401Unauthorized,
            _tooMany ? "Too many attempts" : "Not authenticated", _failure ?? "this needs an API token or a session");
    }

    protected override Task HandleForbiddenAsync(AuthenticationProperties properties)
    {
        var scope = Context.User.TokenScope() ?? ApiTokenScope.None;
        Response.Headers.WWWAuthenticate = "Bearer realm=\"presently\", error=\"insufficient_scope\"";
        return WriteProblemAsync(StatusCodes.Status403Forbidden, "Not allowed",
            ApiTokenAuthentication.Allows(scope, Request) ? "your role does not allow this" : $"a token of scope {scope.Name()} may only read (GET) under {ApiTokenAuthentication.ApiPrefix}");
    }

    private async Task WriteProblemAsync(int status, string title, string detail)
    {
        Response.StatusCode = status;
        await problems.WriteAsync(new ProblemDetailsContext { HttpContext = Context, ProblemDetails = new ProblemDetails { Status = status, Title = title, Detail = detail } });
    }
}

/// <summary>
/// Failed API token attempts per client address, with the budget sign-in has
/// (<see cref="ServerOptions.AuthAttemptsPerMinute"/>) but counted apart, so guessing tokens cannot
/// lock people out of signing in. Only failures count: a script using its token is never limited here.
/// </summary>
public sealed class ApiTokenFailures : IDisposable
{
    private readonly PartitionedRateLimiter<string> _limiter;

    public ApiTokenFailures(IOptions<ServerOptions> options)
    {
        var perMinute = options.Value.AuthAttemptsPerMinute;
        _limiter = PartitionedRateLimiter.Create<string, string>(address => RateLimitPartition.GetFixedWindowLimiter(address,
            _ => new FixedWindowRateLimiterOptions { PermitLimit = perMinute, Window = TimeSpan.FromMinutes(1), QueueLimit = 0 }));
    }

    /// <summary>True once the address has used up this minute's failures (asking for no permit only looks).</summary>
    public bool Exhausted(string address)
    {
        using var lease = _limiter.AttemptAcquire(address, 0);
        return !lease.IsAcquired;
    }

    public void Count(string address) => _limiter.AttemptAcquire(address).Dispose();

    public void Dispose() => _limiter.Dispose();
}

/// <summary>Part of every policy: a request authenticated by a token must be one its scope allows.</summary>
public sealed class ApiTokenScopeRequirement : AuthorizationHandler<ApiTokenScopeRequirement>, IAuthorizationRequirement
{
    protected override Task HandleRequirementAsync(AuthorizationHandlerContext context, ApiTokenScopeRequirement requirement)
    {
        // A session is not limited here; a token only where its scope allows, and never where the request is unknown.
        if (context.User.TokenScope() is not { } scope
            || (context.Resource is HttpContext http && ApiTokenAuthentication.Allows(scope, http.Request)))
            context.Succeed(requirement);
        else
            context.Fail(new AuthorizationFailureReason(this, "the token's scope does not allow this request"));
        return Task.CompletedTask;
    }
}
