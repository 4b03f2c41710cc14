using System.Security.Cryptography;
using Presently.Storage;

namespace Presently.Server.Agents;

/// <summary>A code as created: the only moment it is known in clear.</summary>
public sealed record CreatedCode(string Code, DateTimeOffset Expires);

/// <summary>
/// One-time enrollment codes: 12 characters of Crockford base32 (60 bits), shown as XXXX-XXXX-XXXX.
/// Only a hash is stored; with the per-IP limit on attempts, guessing one is hopeless.
/// </summary>
public sealed class EnrollmentCodes(IAgentRegistry registry, IAccountStore accounts, IAuditLog audit, TimeProvider time)
{
    private const string Alphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

    public async Task<CreatedCode> CreateAsync(string personName, string createdBy, TimeSpan lifetime, CancellationToken ct = default)
    {
        var person = await accounts.FindPersonAsync(personName, ct) ?? await accounts.SavePersonAsync(personName, Role.Member, null, ct);
        var chars = new char[12];
        for (var i = 0; i < chars.Length; i++) chars[i] = Alphabet[RandomNumberGenerator.GetInt32(Alphabet.Length)];
        var code = new string(chars);
        var now = time.GetUtcNow();
        await registry.CreateCodeAsync(Hash(code), code[..4], person.Id, createdBy, now, now + lifetime, ct);
        await audit.WriteAsync(now, createdBy, "created enrollment code", person.Name, $"{code[..4]}…, expires {now + lifetime:u}", ct);
        return new CreatedCode($"{code[..4]}-{code[4..8]}-{code[8..]}", now + lifetime);
    }

    /// <summary>Upper-cases, drops separators and maps look-alikes (O→0, I/L→1) so a code read aloud still works.</summary>
    public static string? Normalize(string? code)
    {
        if (code is null || code.Length > 64) return null;
        var chars = code.ToUpperInvariant().Where(c => c is not ('-' or ' ')).Select(c => c switch { 'O' => '0', 'I' or 'L' => '1', _ => c }).ToArray();
        return chars.Length == 12 && chars.All(c => Alphabet.Contains(c)) ? new string(chars) : null;
    }

    public static string Hash(string normalized) => Auth.Secrets.Sha256Hex("enroll:" + normalized);
}
