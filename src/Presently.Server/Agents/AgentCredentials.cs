using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;
using Presently.Server.Options;

namespace Presently.Server.Agents;

/// <summary>Who an authenticated agent connection belongs to.</summary>
public sealed record AgentPrincipal(string Person);

/// <summary>
/// Checks the bearer token on the upgrade request, before any WebSocket exists. For now the only
/// credential is the development token from configuration; enrollment replaces it.
/// </summary>
public sealed class AgentCredentials
{
    private readonly byte[]? _tokenHash;
    private readonly string _person;

    public AgentCredentials(IOptions<ServerOptions> options)
    {
        var token = options.Value.DevelopmentAgentToken;
        _tokenHash = string.IsNullOrEmpty(token) ? null : SHA256.HashData(Encoding.UTF8.GetBytes(token));
        _person = options.Value.DevelopmentPerson;
    }

    public AgentPrincipal? Authenticate(HttpRequest request)
    {
        if (_tokenHash is null) return null;
        var header = request.Headers.Authorization.ToString();
        const string scheme = "Bearer ";
        if (!header.StartsWith(scheme, StringComparison.OrdinalIgnoreCase) || header.Length > 1024) return null;
        var presented = SHA256.HashData(Encoding.UTF8.GetBytes(header[scheme.Length..].Trim()));
        // Comparing hashes in fixed time leaks neither the token nor its length.
        return CryptographicOperations.FixedTimeEquals(presented, _tokenHash) ? new AgentPrincipal(_person) : null;
    }
}
