using System.Text;

namespace Presently.Agent.Platforms.Windows;

/// <summary>
/// Window titles are UTF-16 that any program sets: they may hold lone surrogates or be very long.
/// This bounds them and makes them well-formed before they go anywhere (UTF-8 encoding, regexes).
/// </summary>
public static class WindowText
{
    /// <summary>Titles longer than this are cut; the privacy filter and the protocol bound them further.</summary>
    public const int MaxTitleChars = 4096;

    /// <summary>Cuts <paramref name="text"/> to at most <paramref name="max"/> chars without splitting a pair, and replaces lone surrogates with U+FFFD.</summary>
    public static string Clean(ReadOnlySpan<char> text, int max = MaxTitleChars)
    {
        if (text.Length > max)
        {
            // Do not keep the first half of a pair whose second half was cut off.
            text = text[..max];
            if (text.Length > 0 && char.IsHighSurrogate(text[^1])) text = text[..^1];
        }
        // Most titles have no surrogates at all.
        if (text.IndexOfAnyInRange('\uD800', '\uDFFF') < 0) return text.ToString();
        var sb = new StringBuilder(text.Length);
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                sb.Append(c).Append(text[++i]);
            }
            else
            {
                sb.Append(char.IsSurrogate(c) ? '\uFFFD' : c);
            }
        }
        return sb.ToString();
    }
}
