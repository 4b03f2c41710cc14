using System.Globalization;
using System.Text.Json;

namespace Presently.Agent.Platforms.Linux.Sway;

/// <summary>
/// Reads the focused window out of sway/i3 IPC payloads (GET_TREE replies, window and workspace
/// events). JsonDocument needs no reflection, so this stays NativeAOT-safe; the caller has already
/// bounded the payload's size. Anything that is not the expected JSON is an <see cref="InvalidDataException"/>.
/// </summary>
internal static class SwayMessages
{
    private static readonly JsonDocumentOptions Options = new() { MaxDepth = 256 };

    /// <summary>The focused window in a GET_TREE reply, or <see cref="WindowInfo.None"/> when an empty workspace has the focus.</summary>
    public static WindowInfo FocusedInTree(ReadOnlyMemory<byte> payload)
    {
        using var doc = Parse(payload);
        if (doc.RootElement.ValueKind != JsonValueKind.Object) throw new InvalidDataException("the tree is not a JSON object");
        return FindFocused(doc.RootElement) is { } node && IsWindow(node) ? Window(node) : WindowInfo.None;
    }

    /// <summary>
    /// What a window event means for the focused window: the new one, <see cref="WindowInfo.None"/>
    /// when the focused window closed, or null when it changes nothing.
    /// </summary>
    public static WindowInfo? FromWindowEvent(ReadOnlyMemory<byte> payload, WindowInfo current)
    {
        using var doc = Parse(payload);
        var root = doc.RootElement;
        if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("container", out var container) || container.ValueKind != JsonValueKind.Object)
            throw new InvalidDataException("a window event without a container");
        var change = String(root, "change");
        var window = Window(container);
        if (change == "close") return window.Id is not null && window.Id == current.Id ? WindowInfo.None : null;
        // Focus, title, fullscreen, floating, mark, urgent: each describes the window in full.
        return Bool(container, "focused") == true ? window : null;
    }

    /// <summary>A workspace gaining the focus with no window on it: nothing is in front. Null otherwise (a window event follows).</summary>
    public static WindowInfo? FromWorkspaceEvent(ReadOnlyMemory<byte> payload)
    {
        using var doc = Parse(payload);
        var root = doc.RootElement;
        if (root.ValueKind != JsonValueKind.Object) throw new InvalidDataException("a workspace event that is not a JSON object");
        if (String(root, "change") != "focus" || !root.TryGetProperty("current", out var current) || current.ValueKind != JsonValueKind.Object) return null;
        return Bool(current, "focused") == true ? WindowInfo.None : null;
    }

    /// <summary>A reply to SUBSCRIBE: {"success": true}.</summary>
    public static bool Succeeded(ReadOnlyMemory<byte> payload)
    {
        using var doc = Parse(payload);
        return doc.RootElement.ValueKind == JsonValueKind.Object && Bool(doc.RootElement, "success") == true;
    }

    private static JsonDocument Parse(ReadOnlyMemory<byte> payload)
    {
        try
        {
            return JsonDocument.Parse(payload, Options);
        }
        catch (JsonException ex)
        {
            throw new InvalidDataException($"not JSON: {ex.Message}");
        }
    }

    /// <summary>Follows the focused node down the tree; depth is bounded by the parser's MaxDepth.</summary>
    private static JsonElement? FindFocused(JsonElement node)
    {
        if (Bool(node, "focused") == true) return node;
        foreach (var list in (ReadOnlySpan<string>)["nodes", "floating_nodes"])
        {
            if (!node.TryGetProperty(list, out var children) || children.ValueKind != JsonValueKind.Array) continue;
            foreach (var child in children.EnumerateArray())
                if (child.ValueKind == JsonValueKind.Object && FindFocused(child) is { } found) return found;
        }
        return null;
    }

    /// <summary>Outputs and workspaces can hold the focus too; only containers of an app are windows.</summary>
    private static bool IsWindow(JsonElement node) =>
        String(node, "type") is "con" or "floating_con" && (node.TryGetProperty("pid", out _) || node.TryGetProperty("app_id", out _) || node.TryGetProperty("window_properties", out _));

    private static WindowInfo Window(JsonElement node)
    {
        // Native Wayland clients have an app_id; XWayland (sway) and every i3 window have a WM_CLASS instead.
        var appId = String(node, "app_id");
        if (string.IsNullOrEmpty(appId) && node.TryGetProperty("window_properties", out var props) && props.ValueKind == JsonValueKind.Object)
            appId = String(props, "class") ?? String(props, "instance");
        int? pid = node.TryGetProperty("pid", out var p) && p.ValueKind == JsonValueKind.Number && p.TryGetInt32(out var id) && id > 0 ? id : null;
        string? conId = node.TryGetProperty("id", out var i) && i.ValueKind == JsonValueKind.Number && i.TryGetInt64(out var n) ? n.ToString(CultureInfo.InvariantCulture) : null;
        return new WindowInfo(conId, string.IsNullOrEmpty(appId) ? null : appId, String(node, "name"), pid);
    }

    private static string? String(JsonElement e, string name) =>
        e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

    private static bool? Bool(JsonElement e, string name) =>
        e.TryGetProperty(name, out var v) ? v.ValueKind switch { JsonValueKind.True => true, JsonValueKind.False => false, _ => null } : null;
}
