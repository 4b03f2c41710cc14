namespace Presently.Agent.Interop.Windows;

/// <summary>The Windows libraries the agent calls, named once.</summary>
internal static class Libraries
{
    public const string User32 = "user32.dll";
    public const string Kernel32 = "kernel32.dll";
    public const string Version = "version.dll";
    public const string WtsApi32 = "wtsapi32.dll";
}
