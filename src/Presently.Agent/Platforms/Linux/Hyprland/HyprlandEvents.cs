using System.Text.Json;

namespace Presently.Agent.Platforms.Linux.Hyprland;

/// <summary>One line from Hyprland's event socket: <c>NAME&gt;&gt;DATA</c>.</summary>
internal readonly record struct HyprlandEvent(string Name, string Data);

/// <summary>Hyprland's event lines and the active-window reply, parsed without trusting them.</summary>
internal static class HyprlandEvents
{
    /// <summary>The event on a line, or null when the line is not one (garbage is skipped, not fatal).</summary>
    public static HyprlandEvent? Parse(string line)
    {
        var separator = line.IndexOf(">>", StringComparison.Ordinal);
        if (separator <= 0) return null;
        return new HyprlandEvent(line[..separator], line[(separator + 2)..]);
    }

    /// <summary>
    /// <c>activewindow&gt;&gt;CLASS,TITLE</c>: the class never has a comma, the title may, so the
    /// first comma splits them. An empty class and title mean no window is focused.
    /// </summary>
    public static WindowInfo ActiveWindow(string data)
    {
        var comma = data.IndexOf(',', StringComparison.Ordinal);
        var cls = comma < 0 ? data : data[..comma];
        var title = comma < 0 ? "" : data[(comma + 1)..];
        if (cls.Length == 0 && title.Length == 0) return WindowInfo.None;
        return new WindowInfo(null, cls.Length == 0 ? null : cls, title, null);
    }

    /// <summary><c>activewindowv2&gt;&gt;ADDRESS</c> (hex, without 0x in current versions): null when nothing is focused.</summary>
    public static string? ActiveAddress(string data)
    {
        var address = data.Trim().TrimEnd(',');
        if (address.StartsWith("0x", StringComparison.OrdinalIgnoreCase)) address = address[2..];
        return address.Length is > 0 and <= 32 && address.All(char.IsAsciiHexDigit) ? address.ToLowerInvariant() : null;
    }

    /// <summary>The reply to <c>j/activewindow</c>: an object with address, class, title and pid, or <c>{}</c> when nothing is focused.</summary>
    public static WindowInfo ActiveWindowReply(ReadOnlyMemory<byte> json)
    {
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(json);
        }
        catch (JsonException ex)
        {
            throw new InvalidDataException($"the active window is not JSON: {ex.Message}");
        }
        using (doc)
        {
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object) throw new InvalidDataException("the active window is not a JSON object");
            string? Text(string name) => root.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
            var cls = Text("class");
            var title = Text("title");
            var address = Text("address") is { } a ? ActiveAddress(a) : null;
            int? pid = root.TryGetProperty("pid", out var p) && p.ValueKind == JsonValueKind.Number && p.TryGetInt32(out var n) && n > 0 ? n : null;
            if (address is null && string.IsNullOrEmpty(cls) && string.IsNullOrEmpty(title)) return WindowInfo.None;
            return new WindowInfo(address, string.IsNullOrEmpty(cls) ? null : cls, title, pid);
        }
    }
}
