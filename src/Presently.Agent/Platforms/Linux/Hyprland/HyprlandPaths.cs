namespace Presently.Agent.Platforms.Linux.Hyprland;

/// <summary>Where a Hyprland instance keeps its sockets.</summary>
public static class HyprlandPaths
{
    /// <summary>
    /// $XDG_RUNTIME_DIR/hypr/SIGNATURE (Hyprland 0.40 and later), or /tmp/hypr/SIGNATURE (earlier)
    /// when there is no runtime directory. The sensor also tries the old place when the new one is missing.
    /// </summary>
    public static string InstanceDirectory(string? runtimeDir, string signature)
    {
        // The signature becomes a path component: it must not climb out.
        var safe = signature.Replace('/', '_').Replace("..", "__", StringComparison.Ordinal);
        return Path.Combine(runtimeDir ?? "/tmp", "hypr", safe);
    }

    public static string LegacyInstanceDirectory(string instanceDirectory) => Path.Combine("/tmp", "hypr", Path.GetFileName(instanceDirectory));

    /// <summary>The event socket: one line per event.</summary>
    public static string EventSocket(string instanceDirectory) => Path.Combine(instanceDirectory, ".socket2.sock");

    /// <summary>The request socket: one request per connection.</summary>
    public static string RequestSocket(string instanceDirectory) => Path.Combine(instanceDirectory, ".socket.sock");
}
