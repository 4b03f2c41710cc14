using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;
using Presently.Server.Auth;
using Presently.Server.Options;
using Presently.Storage;

namespace Presently.Server.Agents;

/// <summary>
/// Who an authenticated agent connection is. <see cref="AgentId"/> is fixed by the credential; it is
/// null only for the development credential, where Hello names the agent.
/// </summary>
public sealed record AgentPrincipal(string? AgentId, string Person);

/// <summary>
/// Checks the bearer token on the upgrade request, before any WebSocket exists: an enrolled agent's
/// own credential (stored as a SHA-256 hash), or the development token when one is configured.
/// Missing, wrong, revoked and blocked credentials are all simply refused.
/// </summary>
public sealed class AgentCredentials
{
    public const int SecretBytes = 32;

    private readonly byte[]? _devTokenHash;
    private readonly string _devPerson;
    private readonly IAgentRegistry _registry;

    public AgentCredentials(IOptions<ServerOptions> options, IAgentRegistry registry)
    {
        var token = options.Value.DevelopmentAgentToken;
        _devTokenHash = string.IsNullOrEmpty(token) ? null : SHA256.HashData(Encoding.UTF8.GetBytes(token));
        _devPerson = options.Value.DevelopmentPerson;
        _registry = registry;
    }

    public async Task<AgentPrincipal?> AuthenticateAsync(HttpRequest request, CancellationToken ct)
    {
        var header = request.Headers.Authorization.ToString();
        const string scheme = "Bearer ";
        if (!header.StartsWith(scheme, StringComparison.OrdinalIgnoreCase) || header.Length > 1024) return null;
        var presented = SHA256.HashData(Encoding.UTF8.GetBytes(header[scheme.Length..].Trim()));

        // Comparing hashes in fixed time leaks neither the token nor its length.
        if (_devTokenHash is not null && CryptographicOperations.FixedTimeEquals(presented, _devTokenHash)) return new AgentPrincipal(null, _devPerson);

        var found = await _registry.FindByCredentialAsync(Convert.ToHexString(presented), ct);
        return found is { Status: AgentStatus.Active } ? new AgentPrincipal(found.AgentId, found.Person) : null;
    }

    /// <summary>A new random 256-bit secret and the hash the server keeps of it.</summary>
    public static (string Secret, string Hash) NewSecret()
    {
        var secret = Base64UrlEncode(RandomNumberGenerator.GetBytes(SecretBytes));
        return (secret, Secrets.Sha256Hex(secret));
    }

    private static string Base64UrlEncode(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
