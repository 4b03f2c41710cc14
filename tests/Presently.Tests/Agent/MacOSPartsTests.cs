using Microsoft.Extensions.Time.Testing;
using Presently.Agent.Platforms.MacOS;
using Presently.Agent.Sensors;

namespace Presently.Tests.Agent;

/// <summary>The plain-C# parts of the macOS sensor, fed recorded inputs (the calls themselves only run on a Mac).</summary>
public sealed class MacOSPartsTests
{
    [Theory]
    [InlineData("Safari", "com.apple.Safari", "/Applications/Safari.app/Contents/MacOS/Safari", "Safari")]
    [InlineData("  Visual Studio Code ", "com.microsoft.VSCode", null, "Visual Studio Code")]
    [InlineData(null, "com.apple.Safari", null, "Safari")]
    [InlineData("", "org.mozilla.firefox", "/x/firefox", "firefox")]
    [InlineData(null, "nodots", null, "nodots")]
    [InlineData(null, "com.example.", "/usr/libexec/helperd", "example")]
    [InlineData(null, null, "/usr/libexec/helperd", "helperd")]
    [InlineData(null, " ", " ", null)]
    public void An_app_goes_by_its_menu_bar_name_then_its_bundle_then_its_executable(string? localized, string? bundle, string? path, string? expected) =>
        Assert.Equal(expected, MacAppName.Choose(localized, bundle, path));

    [Fact]
    public void Accessibility_is_asked_again_only_after_the_interval_and_each_change_is_said_once()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 11, 30, 9, 0, 0, TimeSpan.Zero));
        var gate = new AccessibilityGate(time);
        var answer = false;
        var asked = 0;
        bool Ask()
        {
            asked++;
            return answer;
        }

        Assert.Equal(AccessibilityGate.GrantHint, gate.Refresh(Ask));
        Assert.Equal("titles-need-accessibility", gate.Capability);
        answer = true;
        Assert.Null(gate.Refresh(Ask)); // not yet asked again
        Assert.Equal(1, asked);

        time.Advance(AccessibilityGate.RecheckInterval);
        Assert.Equal("Accessibility is granted: window titles are read", gate.Refresh(Ask));
        Assert.True(gate.Trusted);
        Assert.Equal("titles", gate.Capability);

        time.Advance(AccessibilityGate.RecheckInterval);
        Assert.Null(gate.Refresh(Ask)); // unchanged: nothing to say
        answer = false;
        time.Advance(AccessibilityGate.RecheckInterval);
        Assert.Equal(AccessibilityGate.GrantHint, gate.Refresh(Ask));
        Assert.False(gate.Trusted);
        Assert.Equal(4, asked);
    }

    [Fact]
    public void Lock_state_becomes_one_event_per_change()
    {
        var t = new LockTransitions();
        Assert.Null(t.Observe(false));                    // unlocked at start: no news
        Assert.Null(t.Observe(null));                     // unknown changes nothing
        Assert.Equal(SystemEvent.Locked, t.Observe(true));
        Assert.Null(t.Observe(true));
        Assert.Null(t.Observe(null));
        Assert.Equal(SystemEvent.Unlocked, t.Observe(false));
        Assert.Equal(SystemEvent.Locked, new LockTransitions().Observe(true)); // locked at start is news
    }
}
