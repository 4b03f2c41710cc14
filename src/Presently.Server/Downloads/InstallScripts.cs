using System.Reflection;
using System.Text.RegularExpressions;

namespace Presently.Server.Downloads;

/// <summary>
/// install.sh and install.ps1 (embedded next to this file) rendered for this server: its public
/// address and, when pinned, the certificate's fingerprint and its public key's SHA-256. Each is
/// checked to hold only characters that are inert inside the scripts' single quotes, since they end
/// up in code.
/// </summary>
public static partial class InstallScripts
{
    public const string Shell = "install.sh";
    public const string PowerShell = "install.ps1";

    private static readonly Lazy<string> ShellTemplate = new(() => Load(Shell));
    private static readonly Lazy<string> PowerShellTemplate = new(() => Load(PowerShell));

    /// <summary>The script, or null when the address, fingerprint or key pin is not safe to put in it.</summary>
    public static string? Render(string script, string server, string? fingerprint, string? publicKeyPin)
    {
        if (!IsSafeServer(server) || (fingerprint is not null && !IsFingerprint(fingerprint)) || (publicKeyPin is not null && !IsPublicKeyPin(publicKeyPin)))
            return null;
        var template = script == Shell ? ShellTemplate.Value : PowerShellTemplate.Value;
        return template.Replace("@SERVER@", server, StringComparison.Ordinal)
            .Replace("@FINGERPRINT@", fingerprint ?? "", StringComparison.Ordinal)
            .Replace("@PUBKEYPIN@", publicKeyPin ?? "", StringComparison.Ordinal);
    }

    /// <summary>
    /// The line an admin pastes on a Linux or macOS computer. Pinned, curl skips the system's check,
    /// which cannot vouch for a self-signed certificate, and accepts only the server with that public
    /// key; the script is fetched whole before sh runs it, so a refused or cut-off download runs
    /// nothing and the line exits non-zero (a pipe into sh would run whatever arrived, and exit 0).
    /// </summary>
    public static string ShellLine(string server, string code, string? publicKeyPin) =>
        publicKeyPin is null
            ? $"curl -fsSL {server}/install.sh | sh -s -- --code {code}"
            : $"script=$(curl -fsSLk --pinnedpubkey 'sha256//{publicKeyPin}' {server}/install.sh) && sh -c \"$script\" presently-install --code {code}";

    /// <summary>The line an admin pastes in PowerShell on Windows.</summary>
    public static string PowerShellLine(string server, string code, string? fingerprint)
    {
        var run = $"& ([scriptblock]::Create((irm {server}/install.ps1 -UseBasicParsing))) -Code {code}";
        return fingerprint is null
            ? run
            : $"[Net.ServicePointManager]::ServerCertificateValidationCallback = {{ param($s, $c) $c.GetCertHashString([Security.Cryptography.HashAlgorithmName]::SHA256) -eq '{fingerprint.Replace(":", "", StringComparison.Ordinal).ToUpperInvariant()}' }}; {run}";
    }

    public static bool IsSafeServer(string server) =>
        server.Length <= 300 && SafeServer().IsMatch(server) && Uri.TryCreate(server, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https";

    public static bool IsFingerprint(string value) => Fingerprint().IsMatch(value);

    /// <summary>Base64 of 32 bytes: letters, digits, + and /, one = at the end.</summary>
    public static bool IsPublicKeyPin(string value) => PublicKeyPin().IsMatch(value);

    private static string Load(string name)
    {
        using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream($"Presently.Server.Downloads.{name}")
            ?? throw new InvalidOperationException($"the {name} template is missing from the server build");
        using var reader = new StreamReader(stream);
        // The shell script must keep Unix line ends, whatever the checkout did to it.
        var text = reader.ReadToEnd();
        return name == Shell ? text.Replace("\r\n", "\n", StringComparison.Ordinal) : text;
    }

    [GeneratedRegex(@"^https?://[A-Za-z0-9.\-\[\]:]+(/[A-Za-z0-9._~\-/]*)?$")]
    private static partial Regex SafeServer();

    [GeneratedRegex(@"^[0-9A-Fa-f]{2}(:?[0-9A-Fa-f]{2}){31}$")]
    private static partial Regex Fingerprint();

    [GeneratedRegex(@"^[A-Za-z0-9+/]{43}=$")]
    private static partial Regex PublicKeyPin();
}
