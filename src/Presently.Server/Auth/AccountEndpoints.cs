using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;
using Presently.Server.Options;
using Presently.Storage;
using static Presently.Server.Html.Html;

namespace Presently.Server.Auth;

/// <summary>Sign in and out, first-run setup of the first admin, and changing one's password.</summary>
public static class AccountEndpoints
{
    public const int MinPasswordLength = 10;
    public const string SetupTokenSetting = "setup_token_sha256";

    public static IEndpointRouteBuilder MapAccounts(this IEndpointRouteBuilder app)
    {
        app.MapGet("/login", (string? returnUrl, string? error) =>
            LoginForm(returnUrl, error == "sso" ? "Single sign-on did not sign you in: ask an admin to set your e-mail address here." : null)).AllowAnonymous();

        app.MapGet("/login/oidc", (HttpContext ctx, string? returnUrl, IOptions<ServerOptions> options) => options.Value.Oidc.Enabled
            ? Results.Challenge(new AuthenticationProperties { RedirectUri = IsLocal(returnUrl) ? returnUrl : "/" }, [OidcSetup.Scheme])
            : Results.NotFound()).AllowAnonymous();

        app.MapPost("/login", async (HttpContext ctx, [FromForm] string? name, [FromForm] string? password, [FromForm] string? returnUrl,
            IAccountStore accounts, PasswordCheck passwords, IAuditLog audit, TimeProvider time) =>
        {
            var person = string.IsNullOrEmpty(name) || name.Length > 128 ? null : await accounts.FindPersonAsync(name);
            if (!passwords.Verify(person, password))
            {
                await audit.WriteAsync(time.GetUtcNow(), name ?? "", "sign-in failed", ctx.Connection.RemoteIpAddress?.ToString() ?? "");
                return LoginForm(returnUrl, "Wrong name or password.", StatusCodes.Status401Unauthorized);
            }
            await ctx.SignInAsync(CookieAuthenticationDefaults.AuthenticationScheme, ClaimsExtensions.For(person!, CookieAuthenticationDefaults.AuthenticationScheme, time.GetUtcNow()));
            return Results.LocalRedirect(IsLocal(returnUrl) ? returnUrl! : "/");
        }).AllowAnonymous().RequireRateLimiting(AuthSetup.AuthRateLimit);

        // Signing out ends every session of the person (a new security stamp): a copied cookie
        // must not outlive a sign-out, and sessions are not tracked one by one.
        app.MapPost("/logout", async (HttpContext ctx, IAccountStore accounts) =>
        {
            await accounts.RotateSecurityStampAsync(ctx.User.PersonId());
            await ctx.SignOutAsync(CookieAuthenticationDefaults.AuthenticationScheme);
            return Results.LocalRedirect("/login");
        }).RequireAuthorization(Policies.Member);

        app.MapPost("/account/sign-out-everywhere", async (HttpContext ctx, IAccountStore accounts, IAuditLog audit, TimeProvider time) =>
        {
            await accounts.RotateSecurityStampAsync(ctx.User.PersonId());
            await audit.WriteAsync(time.GetUtcNow(), ctx.User.PersonName(), "signed out everywhere", ctx.User.PersonName());
            await ctx.SignOutAsync(CookieAuthenticationDefaults.AuthenticationScheme);
            return Results.LocalRedirect("/login");
        }).RequireAuthorization(Policies.Member);

        app.MapGet("/denied", () => Message(StatusCodes.Status403Forbidden, "Not allowed", "Your role does not allow this page.")).AllowAnonymous();

        app.MapGet("/account", (HttpContext ctx, IAccountStore accounts) => AccountPageAsync(ctx, accounts)).RequireAuthorization(Policies.Member);

        app.MapGet("/account/agents", async (HttpContext ctx, IAgentRegistry registry) =>
        {
            var mine = (await registry.ListAgentsAsync()).Where(a => a.PersonId == ctx.User.PersonId()).ToList();
            return Page<MyAgentsPage>(new { Agents = mine });
        }).RequireAuthorization(Policies.Member);

        app.MapPost("/account", async (HttpContext ctx, [FromForm] string? current, [FromForm] string? password, [FromForm] string? confirm,
            IAccountStore accounts, PasswordCheck passwords, IPasswordHasher<Person> hasher, IAuditLog audit, TimeProvider time) =>
        {
            var person = await accounts.GetPersonAsync(ctx.User.PersonId());
            if (person is null || !passwords.Verify(person, current))
                return await AccountPageAsync(ctx, accounts, "The current password is wrong.", status: StatusCodes.Status400BadRequest);
            if (PasswordProblem(password, confirm) is { } problem) return await AccountPageAsync(ctx, accounts, problem, status: StatusCodes.Status400BadRequest);
            // A new password ends every session (a new security stamp); this one goes on with a fresh cookie.
            await accounts.SetPasswordAsync(person.Id, hasher.HashPassword(person, password!));
            await audit.WriteAsync(time.GetUtcNow(), person.Name, "changed password", person.Name);
            var changed = (await accounts.GetPersonAsync(person.Id))!;
            ctx.User = ClaimsExtensions.For(changed, CookieAuthenticationDefaults.AuthenticationScheme, ctx.User.SignedInAt(time));
            await ctx.SignInAsync(CookieAuthenticationDefaults.AuthenticationScheme, ctx.User);
            return await AccountPageAsync(ctx, accounts, "Password changed.");
        }).RequireAuthorization(Policies.Member).RequireRateLimiting(AuthSetup.AuthRateLimit);

        app.MapGet("/setup", async (string? token, IAccountStore accounts) =>
            await SetupAllowedAsync(accounts, token) ? SetupForm(token!, null) : Message(StatusCodes.Status404NotFound, "Nothing to set up", "This server already has an admin, or the link is not valid."))
            .AllowAnonymous();

        app.MapPost("/setup", async (HttpContext ctx, [FromForm] string? token, [FromForm] string? name, [FromForm] string? password, [FromForm] string? confirm,
            IAccountStore accounts, IPasswordHasher<Person> hasher, IAuditLog audit, TimeProvider time) =>
        {
            if (!await SetupAllowedAsync(accounts, token)) return NothingToSetUp();
            if (string.IsNullOrWhiteSpace(name) || name.Length > 128) return SetupForm(token!, "Choose a name of up to 128 characters.", StatusCodes.Status400BadRequest);
            if (PasswordProblem(password, confirm) is { } problem) return SetupForm(token!, problem, StatusCodes.Status400BadRequest);
            // The link works once even when posted many times at once: only the one request that
            // deletes the token creates an admin.
            if (!await accounts.ConsumeSettingAsync(SetupTokenSetting, Secrets.Sha256Hex(token!))) return NothingToSetUp();
            var person = await accounts.SavePersonAsync(name.Trim(), Role.Admin, null);
            await accounts.SetPasswordAsync(person.Id, hasher.HashPassword(person, password!));
            person = (await accounts.GetPersonAsync(person.Id))!;
            await audit.WriteAsync(time.GetUtcNow(), person.Name, "created the first admin", person.Name);
            await ctx.SignInAsync(CookieAuthenticationDefaults.AuthenticationScheme, ClaimsExtensions.For(person, CookieAuthenticationDefaults.AuthenticationScheme, time.GetUtcNow()));
            return Results.LocalRedirect("/");
        }).AllowAnonymous().RequireRateLimiting(AuthSetup.AuthRateLimit);
        return app;
    }

    private static IResult NothingToSetUp() =>
        Message(StatusCodes.Status404NotFound, "Nothing to set up", "This server already has an admin, or the link is not valid.");

    /// <summary>Makes a new one-time setup token when there is no admin yet; returns it (the server prints the link).</summary>
    public static async Task<string?> PrepareSetupAsync(IAccountStore accounts)
    {
        if (await accounts.AnyAdminAsync()) return null;
        var token = Convert.ToHexString(RandomNumberGenerator.GetBytes(24)).ToLowerInvariant();
        await accounts.SetSettingAsync(SetupTokenSetting, Secrets.Sha256Hex(token));
        return token;
    }

    public static string? PasswordProblem(string? password, string? confirm) =>
        password is null || password.Length < MinPasswordLength ? $"A password has at least {MinPasswordLength} characters."
        : password.Length > 1024 ? "A password has at most 1024 characters."
        : password != confirm ? "The two passwords differ."
        : null;

    private static async Task<bool> SetupAllowedAsync(IAccountStore accounts, string? token)
    {
        if (string.IsNullOrEmpty(token) || token.Length > 128 || await accounts.AnyAdminAsync()) return false;
        var expected = await accounts.GetSettingAsync(SetupTokenSetting);
        return expected is not null && CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(expected), Encoding.ASCII.GetBytes(Secrets.Sha256Hex(token)));
    }

    /// <summary>
    /// A path on this server, and nothing a browser could read otherwise: browsers drop tabs and
    /// newlines from URLs ("/\t/evil" is "//evil", another host), and a header cannot carry them.
    /// </summary>
    public static bool IsLocal(string? url) =>
        !string.IsNullOrEmpty(url) && url.Length < 2048 && url[0] == '/' && (url.Length == 1 || (url[1] != '/' && url[1] != '\\'))
        && !url.Any(c => char.IsControl(c) || char.IsWhiteSpace(c) || c == '\\');

    private static IResult LoginForm(string? returnUrl, string? error, int status = StatusCodes.Status200OK) =>
        Page<LoginPage>(new { ReturnUrl = returnUrl, Error = error }, status);

    /// <summary>The account page: a note on the password form or the token list, and a token just created (its secret shown this once).</summary>
    internal static async Task<IResult> AccountPageAsync(HttpContext ctx, IAccountStore accounts, string? note = null, string? tokenNote = null,
        NewApiToken? created = null, int status = StatusCodes.Status200OK) =>
        Page<AccountPage>(new
        {
            Note = note,
            NoteIsError = status != StatusCodes.Status200OK,
            TokenNote = tokenNote,
            Tokens = await accounts.ListApiTokensAsync(ctx.User.PersonId(), ctx.RequestAborted),
            Created = created,
        }, status);

    private static IResult SetupForm(string token, string? error, int status = StatusCodes.Status200OK) =>
        Page<SetupPage>(new { Token = token, Error = error }, status);
}
