namespace Presently.Storage;

/// <summary>
/// Milliseconds since 1970 as instants, for values read back from storage. Stored rows may hold
/// anything an older server or a hand edit put there; reading them must never throw.
/// </summary>
public static class Instants
{
    private static readonly long MinMs = DateTimeOffset.MinValue.ToUnixTimeMilliseconds();
    private static readonly long MaxMs = DateTimeOffset.MaxValue.ToUnixTimeMilliseconds();

    public static DateTimeOffset FromMs(long ms) => DateTimeOffset.FromUnixTimeMilliseconds(Math.Clamp(ms, MinMs, MaxMs));

}

/// <summary>What a span costs in storage, for the daily quota: the same rule in C# and in the schema migration.</summary>
public static class SpanSize
{
    public const int RowOverhead = 64;

    public static long Of(string? app, string? title, string? context) =>
        RowOverhead + Utf8(app) + Utf8(title) + Utf8(context);

    private static int Utf8(string? s) => s is null ? 0 : System.Text.Encoding.UTF8.GetByteCount(s);
}

/// <summary>Cutting stored text short, never through the middle of a surrogate pair.</summary>
public static class TextCut
{
    public static string? Prefix(string? text, int chars) =>
        text is null || text.Length <= chars ? text : char.IsHighSurrogate(text[chars - 1]) ? text[..(chars - 1)] : text[..chars];
}
