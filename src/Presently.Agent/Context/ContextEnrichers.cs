namespace Presently.Agent.Context;

/// <summary>The enrichers this platform has, as settings switch them on; chosen once at start.</summary>
public static class ContextEnrichers
{
    public static List<IContextEnricher> For(ContextSettings settings)
    {
        var enrichers = new List<IContextEnricher>();
        if (settings.Browser) enrichers.Add(new BrowserEnricher());
        if (settings.Editor) enrichers.Add(new EditorEnricher());
        if (settings.Terminal && OperatingSystem.IsLinux()) enrichers.Add(new TerminalEnricher());
        return enrichers;
    }
}
