using System.Runtime.InteropServices;
using System.Runtime.Versioning;

namespace Presently.Agent.Platforms.Windows;

/// <summary>
/// Display names from executables' version resources, cached per path: the foreground app is read
/// every poll, its version resource need not be.
/// </summary>
[SupportedOSPlatform("windows")]
internal sealed unsafe class VersionInfoReader
{
    private const int MaxCached = 256;
    /// <summary>Version resources are small; a bigger one is not worth reading for a name.</summary>
    private const uint MaxResourceBytes = 4 * 1024 * 1024;

    private readonly Dictionary<string, string?> _names = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>FileDescription, ProductName or the file name of <paramref name="imagePath"/>.</summary>
    public string? DisplayName(string imagePath)
    {
        if (_names.TryGetValue(imagePath, out var cached)) return cached;
        var (description, product) = ReadStrings(imagePath);
        var name = AppDisplayName.Choose(description, product, imagePath);
        if (_names.Count >= MaxCached) _names.Clear();
        _names[imagePath] = name;
        return name;
    }

    private static (string? Description, string? Product) ReadStrings(string path)
    {
        var size = Interop.Windows.Version.GetFileVersionInfoSizeW(path, out _);
        if (size == 0 || size > MaxResourceBytes) return (null, null);
        var block = new byte[size];
        fixed (byte* data = block)
        {
            if (!Interop.Windows.Version.GetFileVersionInfoW(path, 0, size, data)) return (null, null);
            var translations = Interop.Windows.Version.VerQueryValueW(data, @"\VarFileInfo\Translation", out var t, out var tLength) && t != null
                ? AppDisplayName.ParseTranslations(new ReadOnlySpan<byte>(t, (int)Math.Min(tLength, 64)))
                : [];
            foreach (var prefix in AppDisplayName.StringTablePrefixes(translations))
            {
                var description = Query(data, size, prefix + "FileDescription");
                var product = Query(data, size, prefix + "ProductName");
                if (description is not null || product is not null) return (description, product);
            }
        }
        return (null, null);
    }

    private static string? Query(byte* block, uint blockSize, string key)
    {
        if (!Interop.Windows.Version.VerQueryValueW(block, key, out var value, out var chars) || value == null || chars == 0) return null;
        // The value lies inside the block; never read past its end whatever the length claims.
        if ((byte*)value < block || (byte*)value >= block + blockSize) return null;
        var available = (long)(block + blockSize - (byte*)value) / sizeof(char);
        var text = new ReadOnlySpan<char>(value, (int)Math.Min(chars, available));
        var end = text.IndexOf('\0');
        return WindowText.Clean(end >= 0 ? text[..end] : text, AppDisplayName.MaxLength);
    }
}
