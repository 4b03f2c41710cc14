using System.Runtime.InteropServices;
using System.Runtime.Versioning;
using Presently.Agent.Interop.MacOS;
using Presently.Agent.Sensors;

namespace Presently.Agent.Platforms.MacOS;

/// <summary>
/// The frontmost application on macOS, polled: NSWorkspace.sharedWorkspace.frontmostApplication
/// (name, bundle id, pid) through the Objective-C runtime, the focused window's title through the
/// Accessibility API once the user trusts the agent, and idle time from the Quartz event source.
/// Polling (every poll interval) needs no run loop on this thread, which notifications would.
/// Only the calls live here; the choices (<see cref="MacAppName"/>, <see cref="AccessibilityGate"/>) are plain C#.
/// </summary>
[SupportedOSPlatform("macos")]
public sealed class MacForegroundSensor : IForegroundSensor
{
    private const int MaxTitleChars = 4096;

    private readonly AccessibilityGate _accessibility;
    private readonly AgentLog _log;
    private readonly nint _workspaceClass;
    private readonly SafeCFHandle _focusedWindow = CoreFoundation.CreateString("AXFocusedWindow");
    private readonly SafeCFHandle _title = CoreFoundation.CreateString("AXTitle");

    private MacForegroundSensor(nint workspaceClass, TimeProvider time, AgentLog log)
    {
        _workspaceClass = workspaceClass;
        _accessibility = new AccessibilityGate(time);
        _log = log;
        Log(_accessibility.Refresh(IsTrusted));
    }

    public string Name => "macos";

    public IReadOnlyList<string> Capabilities => ["macos", "idle", _accessibility.Capability];

    public IReadOnlyList<Capability> Explain() =>
        [_accessibility.Trusted ? Capability.Yes("titles") : Capability.No("titles", AccessibilityGate.GrantHint), Capability.Yes("idle")];

    public static MacForegroundSensor Open(TimeProvider time, AgentLog log)
    {
        // NSWorkspace lives in AppKit, which a command-line program does not load by itself.
        if (!NativeLibrary.TryLoad("/System/Library/Frameworks/AppKit.framework/AppKit", out _))
            throw new SensorUnavailableException("AppKit could not be loaded: the macOS agent needs a logged-in desktop session.");
        var workspace = ObjC.objc_getClass("NSWorkspace");
        if (workspace == 0) throw new SensorUnavailableException("NSWorkspace is not available in this session.");
        return new MacForegroundSensor(workspace, time, log);
    }

    public void Run(Action<ForegroundSample> onSample, SensorTiming timing, CancellationToken ct)
    {
        var pollInterval = timing.PollInterval;
        while (!ct.IsCancellationRequested)
        {
            onSample(Sample());
            ct.WaitHandle.WaitOne(pollInterval);
        }
    }

    private ForegroundSample Sample()
    {
        // Every object the runtime hands back autoreleased is freed when this pool pops.
        var pool = ObjC.objc_autoreleasePoolPush();
        try
        {
            Log(_accessibility.Refresh(IsTrusted));
            var idle = TimeSpan.FromSeconds(Math.Max(0, ApplicationServices.CGEventSourceSecondsSinceLastEventType(
                ApplicationServices.CombinedSessionState, ApplicationServices.AnyInputEventType)));
            var workspace = ObjC.SendPointer(_workspaceClass, ObjC.Selectors.SharedWorkspace);
            var app = workspace == 0 ? 0 : ObjC.SendPointer(workspace, ObjC.Selectors.FrontmostApplication);
            if (app == 0) return new ForegroundSample(null, null, null, idle);

            var executable = ObjC.SendPointer(app, ObjC.Selectors.ExecutableUrl);
            var path = executable == 0 ? null : ObjC.String(ObjC.SendPointer(executable, ObjC.Selectors.Path));
            var name = MacAppName.Choose(ObjC.String(ObjC.SendPointer(app, ObjC.Selectors.LocalizedName)),
                ObjC.String(ObjC.SendPointer(app, ObjC.Selectors.BundleIdentifier)), path);
            var title = _accessibility.Trusted ? WindowTitle(ObjC.SendInt32(app, ObjC.Selectors.ProcessIdentifier)) : null;
            return new ForegroundSample(name, title, path is null ? null : Path.GetFileName(path), idle);
        }
        finally
        {
            ObjC.objc_autoreleasePoolPop(pool);
        }
    }

    /// <summary>The focused window's title of process <paramref name="pid"/>; null when it has none or will not say.</summary>
    private string? WindowTitle(int pid)
    {
        using var application = ApplicationServices.AXUIElementCreateApplication(pid);
        if (application.IsInvalid) return null;
        if (ApplicationServices.AXUIElementCopyAttributeValue(application, _focusedWindow, out var window) != ApplicationServices.AXErrorSuccess || window == 0) return null;
        using var ownedWindow = new SafeCFHandle(window);
        if (ApplicationServices.AXUIElementCopyAttributeValue(window, _title, out var title) != ApplicationServices.AXErrorSuccess || title == 0) return null;
        using var ownedTitle = new SafeCFHandle(title);
        return CoreFoundation.ReadString(title, MaxTitleChars);
    }

    private static bool IsTrusted() => ApplicationServices.AXIsProcessTrustedWithOptions(0);

    private void Log(string? line)
    {
        if (line is not null) _log.Info(line);
    }

    public void Dispose()
    {
        _focusedWindow.Dispose();
        _title.Dispose();
    }
}
