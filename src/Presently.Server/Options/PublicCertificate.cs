using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Microsoft.Extensions.Options;

namespace Presently.Server.Options;

/// <summary>
/// The certificate computers see when they install the agent, in the two forms the install lines
/// pin it: its SHA-256 fingerprint (what the agent and PowerShell pin) and the SHA-256 of its public
/// key, the DER SubjectPublicKeyInfo (what curl and wget pin: they cannot pin a whole certificate).
/// Worked out once at start, in this order:
/// <list type="number">
/// <item><c>Presently:PublicCertificatePath</c>, a PEM or DER certificate file (no key);</item>
/// <item>else Kestrel's own <c>Kestrel:Certificates:Default:Path</c>, when it is self-signed and no
/// proxy is configured (so it is the certificate computers see), or when its fingerprint is the
/// configured <c>PublicCertificateSha256</c>. A certificate from a CA is not taken: the system
/// checks it, and pinning it would lock agents out at its next renewal;</item>
/// <item>else <c>Presently:PublicCertificateSha256</c> alone: a fingerprint without a key pin, so
/// the shell line cannot be offered.</item>
/// </list>
/// </summary>
public sealed class PublicCertificate
{
    /// <summary>A certificate, even with its chain, is a few KiB; anything far larger is the wrong file.</summary>
    public const int MaxFileBytes = 64 * 1024;

    public static readonly PublicCertificate None = new(null, null, null);

    private PublicCertificate(string? sha256, string? publicKeyPin, string? source)
    {
        Sha256 = sha256;
        PublicKeyPin = publicKeyPin;
        Source = source;
    }

    /// <summary>The certificate's SHA-256 as the agent's ServerCertificateSha256 takes it (AB:CD:…), or null.</summary>
    public string? Sha256 { get; }

    /// <summary>Base64 of the SHA-256 of the public key (curl's <c>--pinnedpubkey sha256//…</c>), or null.</summary>
    public string? PublicKeyPin { get; }

    /// <summary>Where it came from (a file, or the setting), for messages.</summary>
    public string? Source { get; }

    public static PublicCertificate Resolve(ServerOptions options, IConfiguration configuration)
    {
        var fingerprint = options.PublicCertificateSha256 is { Length: > 0 } configured ? Normalize(configured) : null;
        if (options.PublicCertificatePath is { Length: > 0 } path)
        {
            var fromFile = FromFile(path);
            if (fingerprint is not null && fingerprint != fromFile.Sha256)
                throw Invalid($"PublicCertificateSha256 {options.PublicCertificateSha256} is not the fingerprint of PublicCertificatePath {path} ({fromFile.Sha256}); leave PublicCertificateSha256 out, it is taken from the file");
            return fromFile;
        }
        if (configuration["Kestrel:Certificates:Default:Path"] is { Length: > 0 } kestrelPath
            && KestrelCertificate(kestrelPath, configuration["Kestrel:Certificates:Default:Password"]) is { } kestrel)
        {
            using (kestrel.Certificate)
            {
                if (fingerprint is null ? kestrel.SelfSigned && options.KnownProxies.Count == 0 : fingerprint == kestrel.Pin.Sha256)
                    return kestrel.Pin;
            }
        }
        return fingerprint is null ? None : new PublicCertificate(fingerprint, null, "Presently:PublicCertificateSha256");
    }

    /// <summary>Reads a PEM or DER certificate file; anything wrong with it is one line naming the setting.</summary>
    public static PublicCertificate FromFile(string path)
    {
        using var cert = ReadCertificate(path, "PublicCertificatePath", pkcs12Password: null);
        return FromCertificate(cert, path);
    }

    public static PublicCertificate FromCertificate(X509Certificate2 cert, string source) =>
        new(Format(SHA256.HashData(cert.RawData)), Convert.ToBase64String(SHA256.HashData(cert.PublicKey.ExportSubjectPublicKeyInfo())), source);

    /// <summary>Kestrel's certificate, or null when it cannot be read here: Kestrel then says why itself.</summary>
    private static (X509Certificate2 Certificate, PublicCertificate Pin, bool SelfSigned)? KestrelCertificate(string path, string? password)
    {
        X509Certificate2 cert;
        try
        {
            // Kestrel also takes a PFX (with its password); only the certificate in it is used here.
            cert = ReadCertificate(path, "Kestrel:Certificates:Default:Path", password ?? "");
        }
        catch (OptionsValidationException)
        {
            return null;
        }
        return (cert, FromCertificate(cert, path), cert.SubjectName.RawData.AsSpan().SequenceEqual(cert.IssuerName.RawData));
    }

    /// <param name="pkcs12Password">Null: a PFX is refused, since this setting wants the certificate alone.</param>
    private static X509Certificate2 ReadCertificate(string path, string setting, string? pkcs12Password)
    {
        byte[] data;
        try
        {
            using var file = File.OpenRead(path);
            // Bounded before reading: a mistyped path to a large file must not be read whole.
            if (file.Length > MaxFileBytes) throw Invalid($"{setting} {path} is larger than {MaxFileBytes / 1024} KiB, so it is not a certificate");
            data = new byte[file.Length];
            file.ReadExactly(data);
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            throw Invalid($"{setting} {path}: no such file");
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw Invalid($"{setting} {path} cannot be read: {ex.Message}");
        }
        try
        {
            return X509Certificate2.GetCertContentType(data) switch
            {
                X509ContentType.Pkcs12 when pkcs12Password is null =>
                    throw Invalid($"{setting} {path} is a PFX; give the certificate alone, PEM or DER (openssl pkcs12 -in {Path.GetFileName(path)} -nokeys -out cert.pem)"),
                X509ContentType.Pkcs12 => X509CertificateLoader.LoadPkcs12(data, pkcs12Password, X509KeyStorageFlags.EphemeralKeySet),
                // CreateFromPem takes the first CERTIFICATE block and skips keys or a chain after it.
                _ when IsPem(data) => X509Certificate2.CreateFromPem(Encoding.ASCII.GetString(data)),
                _ => X509CertificateLoader.LoadCertificate(data),
            };
        }
        catch (CryptographicException)
        {
            throw Invalid($"{setting} {path} holds no certificate (a PEM or DER X.509 certificate is needed)");
        }
    }

    private static bool IsPem(byte[] data) => data.AsSpan().IndexOf("-----BEGIN "u8) >= 0;

    private static string Normalize(string fingerprint) =>
        Format(Convert.FromHexString(fingerprint.Replace(":", "", StringComparison.Ordinal)));

    private static string Format(byte[] hash) => string.Join(':', hash.Select(b => b.ToString("X2", System.Globalization.CultureInfo.InvariantCulture)));

    private static OptionsValidationException Invalid(string message) =>
        new(ServerOptions.Section, typeof(ServerOptions), [message]);
}
