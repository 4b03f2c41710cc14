using System.Runtime.InteropServices;
using System.Text;
using Presently.Agent.Interop.Linux;

namespace Presently.Agent.Platforms.Linux.X11;

/// <summary>Reads window properties. Any window may vanish between two calls: a failed read is just "no value".</summary>
internal static class X11Properties
{
    // Titles are capped well above the protocol limit; longer properties are cut, never read whole.
    private const int MaxLongs = 1024;

    public static nuint? ReadWindow(SafeDisplayHandle d, nuint window, nuint property)
    {
        var value = ReadRaw(d, window, property, out var format, out var items);
        if (value is null || format != 32 || items < 1) return null;
        var id = (nuint)BitConverter.ToUInt64(value, 0);
        return id == 0 ? null : id;
    }

    public static uint? ReadCardinal(SafeDisplayHandle d, nuint window, nuint property)
    {
        var value = ReadRaw(d, window, property, out var format, out var items);
        return value is null || format != 32 || items < 1 ? null : (uint)BitConverter.ToUInt64(value, 0);
    }

    /// <summary>Any text type (UTF8_STRING, STRING, COMPOUND_TEXT) decoded as UTF-8, which covers Latin-1-free ASCII too.</summary>
    public static string? ReadText(SafeDisplayHandle d, nuint window, nuint property)
    {
        var value = ReadRaw(d, window, property, out var format, out _);
        if (value is null || format != 8) return null;
        var text = Encoding.UTF8.GetString(value).TrimEnd('\0');
        return text.Length == 0 ? null : text;
    }

    /// <summary>WM_CLASS holds two NUL-terminated strings: instance name, then class name.</summary>
    public static (string? Instance, string? Class) ReadClass(SafeDisplayHandle d, nuint window, nuint wmClass)
    {
        var value = ReadRaw(d, window, wmClass, out var format, out _);
        if (value is null || format != 8) return (null, null);
        var parts = Encoding.UTF8.GetString(value).Split('\0');
        var instance = parts.Length > 0 && parts[0].Length > 0 ? parts[0] : null;
        var cls = parts.Length > 1 && parts[1].Length > 0 ? parts[1] : null;
        return (instance, cls);
    }

    private static byte[]? ReadRaw(SafeDisplayHandle d, nuint window, nuint property, out int format, out ulong items)
    {
        format = 0;
        items = 0;
        var status = Xlib.XGetWindowProperty(d, window, property, 0, MaxLongs, false, Xlib.AnyPropertyType,
            out var type, out format, out var count, out _, out var data);
        if (status != Xlib.Success || data == IntPtr.Zero) return null;
        try
        {
            if (type == 0 || count == 0) return null;
            items = count;
            // Format-32 items are C longs (8 bytes here), whatever the name says.
            var size = format switch { 8 => (int)count, 16 => (int)count * 2, 32 => (int)count * IntPtr.Size, _ => 0 };
            var bytes = new byte[size];
            Marshal.Copy(data, bytes, 0, size);
            return bytes;
        }
        finally
        {
            Xlib.XFree(data);
        }
    }
}
