namespace Presently.Agent.Context;

/// <summary>Recognising an app by its name or process, however the platform spells it (XTerm, xterm, xterm.exe, org.gnome.Terminal).</summary>
internal static class AppMatch
{
    public static string Normalize(string? name)
    {
        if (string.IsNullOrEmpty(name)) return "";
        var n = name.Trim().ToLowerInvariant();
        if (n.EndsWith(".exe", StringComparison.Ordinal)) n = n[..^4];
        return n;
    }

    /// <summary>True when the app or the process is one of <paramref name="names"/> (normalised), or starts with one of <paramref name="prefixes"/>.</summary>
    public static bool Any(Sensors.ForegroundSample sample, IReadOnlySet<string> names, IReadOnlyList<string>? prefixes = null)
    {
        foreach (var candidate in (ReadOnlySpan<string?>)[sample.App, sample.Process])
        {
            var n = Normalize(candidate);
            if (n.Length == 0) continue;
            if (names.Contains(n)) return true;
            if (prefixes is not null)
                foreach (var p in prefixes)
                    if (n.StartsWith(p, StringComparison.Ordinal)) return true;
        }
        return false;
    }
}
