namespace Presently.Agent.Context;

/// <summary>The enrichers this platform has, as settings switch them on; chosen once at start.</summary>
public static class ContextEnrichers
{
    /// <param name="media">The MPRIS watcher when media is watched here (Linux, <see cref="ContextSettings.Media"/>).</param>
    public static List<IContextEnricher> For(ContextSettings settings, MprisWatcher? media = null)
    {
        var enrichers = new List<IContextEnricher>();
        if (settings.Browser) enrichers.Add(new BrowserEnricher());
        if (settings.Editor) enrichers.Add(new EditorEnricher());
        if (settings.Terminal && OperatingSystem.IsLinux()) enrichers.Add(new TerminalEnricher());
        if (settings.Media && media is not null) enrichers.Add(new MediaEnricher(media));
        return enrichers;
    }
}
