using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Presently.Agent.Config;

namespace Presently.Agent.Uplink;

/// <summary>
/// How the agent decides to trust the server: a pinned SHA-256 fingerprint, else a configured CA
/// file, else the system trust store. Plain ws:// is refused unless the server is this computer
/// or AllowInsecure is set. The reason for the last refusal is kept so logs can say why.
/// </summary>
public sealed class TlsPolicy
{
    private readonly byte[]? _pin;
    private readonly X509Certificate2Collection? _roots;

    public TlsPolicy(AgentSettings settings)
    {
        if (settings.ServerCertificateSha256 is { } pin)
        {
            var hex = pin.Replace(":", "", StringComparison.Ordinal).Replace(" ", "", StringComparison.Ordinal);
            try
            {
                _pin = Convert.FromHexString(hex);
            }
            catch (FormatException)
            {
                _pin = null;
            }
            if (_pin is not { Length: 32 }) throw new ConfigException("ServerCertificateSha256 must be 64 hex digits (colons allowed)");
        }
        if (settings.ServerCaFile is { } caFile)
        {
            try
            {
                _roots = [];
                _roots.ImportFromPemFile(caFile);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or CryptographicException)
            {
                throw new ConfigException($"cannot read ServerCaFile {caFile}: {ex.Message}");
            }
            if (_roots.Count == 0) throw new ConfigException($"ServerCaFile {caFile} holds no certificate");
        }
        AllowInsecure = settings.AllowInsecure;
    }

    public bool AllowInsecure { get; }

    public string? LastRefusal { get; private set; }

    /// <summary>Refuses an unencrypted address to another computer unless explicitly allowed.</summary>
    public void CheckScheme(Uri server)
    {
        var plain = server.Scheme is "ws" or "http";
        if (plain && !server.IsLoopback && !AllowInsecure)
            throw new ConfigException($"refusing plain {server.Scheme}:// to {server.Host}: use https://, or set AllowInsecure=true if this network is trusted");
    }

    public bool Validate(object sender, X509Certificate? certificate, X509Chain? chain, SslPolicyErrors errors)
    {
        if (certificate is null)
            return Refuse("the server sent no certificate");
        using var cert = new X509Certificate2(certificate);
        if (_pin is not null)
        {
            var actual = SHA256.HashData(cert.RawData);
            return CryptographicOperations.FixedTimeEquals(actual, _pin)
                || Refuse($"the server certificate's SHA-256 fingerprint {Format(actual)} does not match the pinned {Format(_pin)}");
        }
        if (_roots is not null)
        {
            using var custom = new X509Chain();
            custom.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
            custom.ChainPolicy.CustomTrustStore.AddRange(_roots);
            custom.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
            if (!custom.Build(cert))
                return Refuse($"the server certificate does not chain to ServerCaFile: {string.Join(", ", custom.ChainStatus.Select(s => s.StatusInformation.Trim()))}");
            return (errors & SslPolicyErrors.RemoteCertificateNameMismatch) == 0 || Refuse("the server certificate is for another host name");
        }
        return errors == SslPolicyErrors.None || Refuse($"the server certificate is not trusted by this system ({errors}); pin it with ServerCertificateSha256 or give ServerCaFile");
    }

    public static string Format(byte[] hash) => string.Join(':', hash.Select(b => b.ToString("X2", System.Globalization.CultureInfo.InvariantCulture)));

    private bool Refuse(string reason)
    {
        LastRefusal = reason;
        return false;
    }
}
