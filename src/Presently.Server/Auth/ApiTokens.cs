using System.Buffers;
using System.Buffers.Text;
using System.Security.Cryptography;
using Presently.Storage;

namespace Presently.Server.Auth;

/// <summary>
/// Personal API tokens: what one looks like, how one is made, and the bounds on them. A token is
/// <c>pat_</c> and 32 random bytes in base64url; the server keeps only its SHA-256 (a fast hash is
/// enough for a secret that random) and a hint of its first characters, for its owner's list.
/// </summary>
public static class ApiTokens
{
    /// <summary>Makes a token recognisable in a script, a log or a secret scanner's rules.</summary>
    public const string Prefix = "pat_";

    public const int SecretBytes = 32;

    /// <summary>The prefix and 43 base64url characters (32 bytes, unpadded).</summary>
    public const int Length = 47;

    /// <summary>Enough for every script and dashboard of one person; a bound, so nobody can fill the table.</summary>
    public const int MaxPerPerson = 20;

    public const int MaxNameLength = 64;

    /// <summary>A token's last use is written at most this often, so a script polling the API does not write on every call.</summary>
    public static readonly TimeSpan UseRecordInterval = TimeSpan.FromMinutes(1);

    /// <summary>A new token: the secret (shown once), the hash the server keeps, and its hint.</summary>
    public static (string Secret, string Hash, string Hint) New()
    {
        var secret = Prefix + Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(SecretBytes));
        return (secret, Secrets.Sha256Hex(secret), Hint(secret));
    }

    /// <summary>The prefix and six characters: 36 of the 256 bits, enough to tell one's tokens apart.</summary>
    public static string Hint(string secret) => secret[..(Prefix.Length + 6)] + "…";

    /// <summary>Whether the text could be a token at all, checked before anything is hashed or looked up.</summary>
    public static bool IsWellFormed(ReadOnlySpan<char> token) =>
        token.Length == Length && token.StartsWith(Prefix, StringComparison.Ordinal) && !token[Prefix.Length..].ContainsAnyExcept(Base64UrlAlphabet);

    private static readonly SearchValues<char> Base64UrlAlphabet = SearchValues.Create("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_");

    /// <summary>The name a person gives a token, trimmed; or why it cannot be one.</summary>
    public static (string? Name, string? Problem) CheckName(string? name)
    {
        name = name?.Trim();
        if (string.IsNullOrEmpty(name) || name.Length > MaxNameLength || name.Any(char.IsControl) || HasLoneSurrogate(name))
            return (null, $"Name the token (up to {MaxNameLength} characters), for example after the script that uses it.");
        return (name, null);
    }

    private static bool HasLoneSurrogate(string s)
    {
        for (var i = 0; i < s.Length; i++)
        {
            if (char.IsHighSurrogate(s[i]) && i + 1 < s.Length && char.IsLowSurrogate(s[i + 1])) i++;
            else if (char.IsSurrogate(s[i])) return true;
        }
        return false;
    }
}

/// <summary>A token just created, with its secret: the only moment the secret exists outside its owner's hands.</summary>
public sealed record NewApiToken(ApiTokenInfo Token, string Secret);
