using System.Globalization;

namespace Presently.Agent.Platforms.Windows;

/// <summary>
/// Which name a Windows app goes by, chosen from its executable's version strings the way Task
/// Manager does: FileDescription, else ProductName, else the file name without its extension.
/// Plain C# so that the choice is tested on any OS.
/// </summary>
public static class AppDisplayName
{
    /// <summary>Longer names are cut here; the protocol's own bound applies later, this keeps the cache small.</summary>
    public const int MaxLength = 256;

    /// <summary>US English, Unicode: where most executables keep their strings, tried when the translation table is missing or wrong.</summary>
    private static readonly (ushort Language, ushort CodePage)[] Fallbacks = [(0x0409, 1200), (0x0409, 1252), (0x0000, 1200), (0x0000, 1252)];

    public static string? Choose(string? fileDescription, string? productName, string? imagePath)
    {
        var name = Usable(fileDescription) ?? Usable(productName) ?? Usable(FileNameWithoutExtension(imagePath));
        return name is null ? null : WindowText.Clean(name, MaxLength);
    }

    /// <summary>The file name of a Windows path (either slash), without its last extension; works the same on Linux.</summary>
    public static string? FileNameWithoutExtension(string? path)
    {
        var name = FileName(path);
        if (name is null) return null;
        var dot = name.LastIndexOf('.');
        return dot > 0 ? name[..dot] : name;
    }

    /// <summary>The file name of a Windows path, e.g. <c>notepad.exe</c>.</summary>
    public static string? FileName(string? path)
    {
        if (string.IsNullOrEmpty(path)) return null;
        var name = path[(path.LastIndexOfAny(['\\', '/']) + 1)..];
        return name.Length == 0 ? null : name;
    }

    /// <summary>
    /// The <c>\StringFileInfo\llllcccc\</c> prefixes to try, in order: each language and code page the
    /// executable lists in <c>\VarFileInfo\Translation</c>, then the usual fallbacks.
    /// </summary>
    public static IReadOnlyList<string> StringTablePrefixes(IEnumerable<(ushort Language, ushort CodePage)> translations)
    {
        var prefixes = new List<string>();
        foreach (var (language, codePage) in translations.Concat(Fallbacks))
        {
            var prefix = string.Create(CultureInfo.InvariantCulture, $@"\StringFileInfo\{language:X4}{codePage:X4}\");
            if (!prefixes.Contains(prefix)) prefixes.Add(prefix);
        }
        return prefixes;
    }

    /// <summary>Reads the (language, code page) pairs of a <c>\VarFileInfo\Translation</c> value: little-endian u16 pairs.</summary>
    public static IReadOnlyList<(ushort Language, ushort CodePage)> ParseTranslations(ReadOnlySpan<byte> value)
    {
        var pairs = new List<(ushort, ushort)>();
        for (var i = 0; i + 4 <= value.Length && pairs.Count < 16; i += 4)
            pairs.Add((System.Buffers.Binary.BinaryPrimitives.ReadUInt16LittleEndian(value[i..]), System.Buffers.Binary.BinaryPrimitives.ReadUInt16LittleEndian(value[(i + 2)..])));
        return pairs;
    }

    private static string? Usable(string? s)
    {
        var t = s?.Trim().Trim('\0').Trim();
        return string.IsNullOrEmpty(t) ? null : t;
    }
}
