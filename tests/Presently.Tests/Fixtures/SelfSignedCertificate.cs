using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Presently.Agent.Uplink;

namespace Presently.Tests.Fixtures;

/// <summary>
/// A self-signed certificate for 127.0.0.1 and localhost with its key, written as PEM files (and the
/// certificate as DER), as an admin makes one with openssl. Its pins are worked out here on their
/// own: the key pin from the key, not from the certificate, and the fingerprint as the agent formats it.
/// </summary>
public sealed record SelfSignedCertificate(string CertPath, string DerPath, string KeyPath, string Sha256, string PublicKeyPin)
{
    public static async Task<SelfSignedCertificate> WriteAsync(string directory, string name = "cert")
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN=presently-{name}", key, HashAlgorithmName.SHA256);
        var san = new SubjectAlternativeNameBuilder();
        san.AddIpAddress(IPAddress.Loopback);
        san.AddDnsName("localhost");
        request.CertificateExtensions.Add(san.Build());
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        using var cert = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30));
        var certPath = Path.Combine(directory, $"{name}.pem");
        var derPath = Path.Combine(directory, $"{name}.der");
        var keyPath = Path.Combine(directory, $"{name}.key.pem");
        await File.WriteAllTextAsync(certPath, cert.ExportCertificatePem());
        await File.WriteAllBytesAsync(derPath, cert.RawData);
        await File.WriteAllTextAsync(keyPath, key.ExportPkcs8PrivateKeyPem());
        return new(certPath, derPath, keyPath, TlsPolicy.Format(SHA256.HashData(cert.RawData)),
            Convert.ToBase64String(SHA256.HashData(key.ExportSubjectPublicKeyInfo())));
    }

    /// <summary>Server arguments to serve HTTPS on a free loopback port with this certificate.</summary>
    public string[] KestrelArgs =>
        ["--urls", "https://127.0.0.1:0", "--Kestrel:Certificates:Default:Path", CertPath, "--Kestrel:Certificates:Default:KeyPath", KeyPath];
}
