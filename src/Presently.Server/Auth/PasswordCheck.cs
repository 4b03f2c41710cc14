using System.Security.Cryptography;
using Microsoft.AspNetCore.Identity;
using Presently.Storage;

namespace Presently.Server.Auth;

/// <summary>
/// Checks a password so that the time taken does not tell whether the name exists: an unknown
/// name, or a person without a password, is checked against a dummy hash of the same cost.
/// </summary>
public sealed class PasswordCheck(IPasswordHasher<Person> hasher)
{
    public const int MaxPasswordLength = 1024;

    private static readonly Person Nobody = new(0, "", Role.Member, null);

    private readonly Lazy<string> _dummyHash = new(() => hasher.HashPassword(Nobody, Convert.ToBase64String(RandomNumberGenerator.GetBytes(24))));

    public bool Verify(Person? person, string? password)
    {
        var candidate = password is { Length: > 0 and <= MaxPasswordLength } ? password : "-";
        var matches = hasher.VerifyHashedPassword(person ?? Nobody, person?.PasswordHash ?? _dummyHash.Value, candidate) != PasswordVerificationResult.Failed;
        return matches && person?.PasswordHash is not null && candidate == password;
    }
}
