using System.Collections.Concurrent;
using System.Security.Claims;
using System.Security.Cryptography;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Presently.Tests.Fixtures;

/// <summary>
/// A tiny OpenID Connect provider on 127.0.0.1 for tests: discovery, keys, an authorize endpoint
/// that signs in <see cref="User"/> at once, and a token endpoint that checks the PKCE verifier.
/// </summary>
public sealed class FakeOidcProvider : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly RsaSecurityKey _key = new(RSA.Create(2048)) { KeyId = "test-key" };
    private readonly ConcurrentDictionary<string, (string Nonce, string Challenge, string ClientId)> _codes = new();

    private FakeOidcProvider(WebApplication app) => _app = app;

    public string Authority { get; private set; } = "";

    /// <summary>Who the provider says is signing in.</summary>
    public string User { get; set; } = "olive";

    /// <summary>The stable id the provider gives <see cref="User"/>; by default "sub-" + the name.</summary>
    public string? Subject { get; set; }

    /// <summary>An e-mail claim to send (none when null), and whether the provider says it verified it.</summary>
    public string? Email { get; set; }

    public bool EmailVerified { get; set; }

    public const string ClientId = "presently-test";
    public const string ClientSecret = "test-secret";

    public static async Task<FakeOidcProvider> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var provider = new FakeOidcProvider(app);
        provider.Map(app);
        await app.StartAsync();
        provider.Authority = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First().TrimEnd('/');
        return provider;
    }

    private void Map(WebApplication app)
    {
        app.MapGet("/.well-known/openid-configuration", () => Results.Json(new Dictionary<string, object>
        {
            ["issuer"] = Authority,
            ["authorization_endpoint"] = Authority + "/authorize",
            ["token_endpoint"] = Authority + "/token",
            ["jwks_uri"] = Authority + "/jwks",
            ["response_types_supported"] = new[] { "code" },
            ["subject_types_supported"] = new[] { "public" },
            ["id_token_signing_alg_values_supported"] = new[] { "RS256" },
            ["code_challenge_methods_supported"] = new[] { "S256" },
        }));
        app.MapGet("/jwks", () =>
        {
            var jwk = JsonWebKeyConverter.ConvertFromRSASecurityKey(new RsaSecurityKey(_key.Rsa.ExportParameters(false)) { KeyId = _key.KeyId });
            return Results.Json(new { keys = new[] { new { kty = jwk.Kty, kid = jwk.Kid, use = "sig", alg = "RS256", n = jwk.N, e = jwk.E } } });
        });
        app.MapGet("/authorize", (string client_id, string redirect_uri, string state, string nonce, string code_challenge) =>
        {
            var code = Convert.ToHexString(RandomNumberGenerator.GetBytes(16));
            _codes[code] = (nonce, code_challenge, client_id);
            return Results.Redirect($"{redirect_uri}?code={code}&state={Uri.EscapeDataString(state)}");
        });
        app.MapPost("/token", async (HttpRequest request) =>
        {
            var form = await request.ReadFormAsync();
            if (!_codes.TryRemove(form["code"].ToString(), out var grant)) return Results.BadRequest(new { error = "invalid_grant" });
            var verifier = form["code_verifier"].ToString();
            var challenge = Base64UrlEncoder.Encode(SHA256.HashData(System.Text.Encoding.ASCII.GetBytes(verifier)));
            if (challenge != grant.Challenge || form["client_secret"] != ClientSecret) return Results.BadRequest(new { error = "invalid_grant" });
            var now = DateTime.UtcNow;
            var idToken = new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
            {
                Issuer = Authority,
                Audience = grant.ClientId,
                IssuedAt = now,
                NotBefore = now,
                Expires = now.AddMinutes(5),
                Subject = new ClaimsIdentity(Claims(grant.Nonce)),
                SigningCredentials = new SigningCredentials(_key, SecurityAlgorithms.RsaSha256),
            });
            return Results.Json(new { id_token = idToken, access_token = "unused", token_type = "Bearer", expires_in = 300 });
        });
    }

    private List<Claim> Claims(string nonce)
    {
        var claims = new List<Claim> { new("sub", Subject ?? "sub-" + User), new("preferred_username", User), new("nonce", nonce) };
        if (Email is not null)
        {
            claims.Add(new Claim("email", Email));
            claims.Add(new Claim("email_verified", EmailVerified ? "true" : "false", ClaimValueTypes.Boolean));
        }
        return claims;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
