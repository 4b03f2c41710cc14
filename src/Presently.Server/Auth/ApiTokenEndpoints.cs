using Microsoft.AspNetCore.Mvc;
using Presently.Storage;

namespace Presently.Server.Auth;

/// <summary>
/// A person creates and revokes their own API tokens on their account page. Only their own: an admin
/// sees and revokes nobody else's (a removed person's tokens stop working with them). Creating and
/// revoking need the session and the form's antiforgery token, so a token cannot make more tokens.
/// </summary>
public static class ApiTokenEndpoints
{
    public static IEndpointRouteBuilder MapApiTokens(this IEndpointRouteBuilder app)
    {
        app.MapPost("/account/tokens", async (HttpContext ctx, [FromForm] string? name, [FromForm] string? scope,
            IAccountStore accounts, IAuditLog audit, TimeProvider time) =>
        {
            var (checkedName, problem) = ApiTokens.CheckName(name);
            var tokenScope = ApiTokenScopeNames.Parse(scope ?? ApiTokenScope.Read.Name());
            problem ??= tokenScope == ApiTokenScope.None ? $"A token's scope is {ApiTokenScope.Read.Name()}." : null;
            if (problem is not null) return await AccountEndpoints.AccountPageAsync(ctx, accounts, tokenNote: problem, status: StatusCodes.Status400BadRequest);

            var (secret, hash, hint) = ApiTokens.New();
            var now = time.GetUtcNow();
            var created = await accounts.CreateApiTokenAsync(ctx.User.PersonId(), checkedName!, hash, hint, tokenScope, now, ApiTokens.MaxPerPerson);
            if (created is null)
                return await AccountEndpoints.AccountPageAsync(ctx, accounts, status: StatusCodes.Status400BadRequest,
                    tokenNote: $"You have {ApiTokens.MaxPerPerson} tokens already: revoke one you no longer use first.");
            await audit.WriteAsync(now, ctx.User.PersonName(), "created API token", ctx.User.PersonName(), $"{created.Name} ({created.Hint}, {created.Scope.Name()})");
            // The secret is in this response only: no cache may keep a copy.
            ctx.Response.Headers.CacheControl = "no-store";
            return await AccountEndpoints.AccountPageAsync(ctx, accounts, created: new NewApiToken(created, secret));
        }).RequireAuthorization(Policies.Member);

        app.MapPost("/account/tokens/{id:long}/revoke", async (HttpContext ctx, long id, IAccountStore accounts, IAuditLog audit, TimeProvider time) =>
        {
            // Deleted, so it fails at its next use: the lookup on every call finds nothing.
            if (await accounts.RevokeApiTokenAsync(ctx.User.PersonId(), id) is not { } revoked) return Results.NotFound();
            await audit.WriteAsync(time.GetUtcNow(), ctx.User.PersonName(), "revoked API token", ctx.User.PersonName(), $"{revoked.Name} ({revoked.Hint})");
            return Results.LocalRedirect("/account#api-tokens");
        }).RequireAuthorization(Policies.Member);
        return app;
    }
}
