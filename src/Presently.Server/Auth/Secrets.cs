using System.Security.Cryptography;
using System.Text;

namespace Presently.Server.Auth;

/// <summary>
/// How the server stores a random secret it hands out (agent credentials, enrollment codes, the
/// setup link): as the hex SHA-256 of its UTF-8 text. A fast hash is enough for secrets this random.
/// </summary>
public static class Secrets
{
    public static string Sha256Hex(string secret) => Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(secret)));
}
