using Presently.Agent.Platforms.Windows;
using Presently.Agent.Sensors;

namespace Presently.Tests.Agent;

/// <summary>The Windows sensor's decisions, in plain C#: they run on any OS with recorded inputs.</summary>
public sealed class WindowsSensorLogicTests
{
    [Theory]
    [InlineData("Notepad", "Microsoft® Windows® Operating System", @"C:\Windows\System32\notepad.exe", "Notepad")]
    [InlineData("  ", "Firefox", @"C:\Program Files\Mozilla Firefox\firefox.exe", "Firefox")]
    [InlineData(null, null, @"C:\Tools\my.tool.exe", "my.tool")]
    [InlineData("\0", "", @"C:\Tools\run", "run")]
    [InlineData(null, null, "C:/odd/slashes/App.EXE", "App")]
    [InlineData(null, null, null, null)]
    [InlineData(null, null, @"C:\dir\", null)]
    public void Display_name_is_the_file_description_else_the_product_name_else_the_file_name(string? description, string? product, string? path, string? expected) =>
        Assert.Equal(expected, AppDisplayName.Choose(description, product, path));

    [Fact]
    public void Display_names_are_bounded_and_well_formed()
    {
        var name = AppDisplayName.Choose(new string('x', 10_000) + "\uD800", null, null)!;
        Assert.Equal(AppDisplayName.MaxLength, name.Length);
        Assert.Equal("bad\uFFFDname", AppDisplayName.Choose("bad\uDC00name", null, null));
    }

    [Fact]
    public void The_process_is_the_executable_file_name()
    {
        Assert.Equal("notepad.exe", AppDisplayName.FileName(@"C:\windows\system32\notepad.exe"));
        Assert.Null(AppDisplayName.FileName(""));
    }

    [Fact]
    public void String_tables_are_tried_in_the_listed_languages_then_us_english()
    {
        var translations = AppDisplayName.ParseTranslations([0x07, 0x04, 0xB0, 0x04, 0x09, 0x04, 0xB0, 0x04, 0xFF]);
        Assert.Equal([(0x0407, 0x04B0), (0x0409, 0x04B0)], translations);
        Assert.Equal(
            [@"\StringFileInfo\040704B0\", @"\StringFileInfo\040904B0\", @"\StringFileInfo\040904E4\", @"\StringFileInfo\000004B0\", @"\StringFileInfo\000004E4\"],
            AppDisplayName.StringTablePrefixes(translations));
        Assert.Equal(4, AppDisplayName.StringTablePrefixes([]).Count);
    }

    [Fact]
    public void Titles_are_cut_without_splitting_a_pair_and_lone_surrogates_are_replaced()
    {
        Assert.Equal("plain", WindowText.Clean("plain"));
        Assert.Equal("a\uFFFDb\uFFFDc", WindowText.Clean("a\uD800b\uDC00c"));
        Assert.Equal("\uFFFD", WindowText.Clean("\uD83D"));
        Assert.Equal("ok \U0001F600", WindowText.Clean("ok \U0001F600"));
        // The cut falls between the two halves of the emoji: the high half goes too.
        Assert.Equal("ab", WindowText.Clean("ab\U0001F600", 3));
        Assert.Equal("", WindowText.Clean("abc", 0));

        var huge = WindowText.Clean(string.Concat(Enumerable.Repeat("\uD800x", 32 * 1024)));
        Assert.Equal(WindowText.MaxTitleChars, huge.Length);
        Assert.DoesNotContain(huge, char.IsSurrogate);
    }

    [Fact]
    public void A_uwp_frame_is_resolved_to_the_first_child_of_another_process()
    {
        Assert.True(UwpFrameHost.IsFrameHost(@"C:\Windows\System32\applicationframehost.EXE"));
        Assert.False(UwpFrameHost.IsFrameHost(@"C:\Windows\System32\notepad.exe"));
        Assert.False(UwpFrameHost.IsFrameHost(null));
        Assert.Equal(77u, UwpFrameHost.HostedProcess(10, [10, 0, 77, 88]));
        // A suspended or starting app: only the frame's own children; the frame is all there is.
        Assert.Null(UwpFrameHost.HostedProcess(10, [10, 10]));
        Assert.Null(UwpFrameHost.HostedProcess(10, []));
    }

    [Fact]
    public void Idle_time_survives_the_32_bit_tick_wrap()
    {
        Assert.Equal(TimeSpan.FromSeconds(5), IdleTime.Since(100_000, 95_000));
        // Input 1 s before the 32-bit counter wrapped, now 2 s after: 3 s.
        Assert.Equal(TimeSpan.FromSeconds(3), IdleTime.Since((1UL << 32) + 2_000, uint.MaxValue - 999));
        // 49.7 days of uptime and more: only the low 32 bits count.
        Assert.Equal(TimeSpan.FromMilliseconds(250), IdleTime.Since((5UL << 32) + 1_000, 750));
        // Input read as newer than now (between the two calls): not idle, not 49 days idle.
        Assert.Equal(TimeSpan.Zero, IdleTime.Since(1_000, 1_010));
    }

    [Fact]
    public void Foreground_changes_and_the_foreground_windows_own_title_changes_trigger_one_read()
    {
        var trigger = new ForegroundTrigger(TimeSpan.FromSeconds(1), nowMs: 0);
        Assert.True(trigger.Due(0)); // the first read happens at once
        trigger.Read(0, 42);
        Assert.False(trigger.Due(10));

        // Name changes of other windows, of child objects, or of controls inside the window: ignored.
        Assert.False(trigger.OnEvent(ForegroundTrigger.EventObjectNameChange, 43, 0, 0));
        Assert.False(trigger.OnEvent(ForegroundTrigger.EventObjectNameChange, 42, -4, 0));
        Assert.False(trigger.OnEvent(ForegroundTrigger.EventObjectNameChange, 42, 0, 3));
        Assert.False(trigger.OnEvent(0x8005, 42, 0, 0));
        Assert.False(trigger.Due(20));
        Assert.Equal(1000u - 20, trigger.WaitMs(20));

        // A burst of relevant events between two reads: one read.
        Assert.True(trigger.OnEvent(ForegroundTrigger.EventObjectNameChange, 42, 0, 0));
        Assert.True(trigger.OnEvent(ForegroundTrigger.EventSystemForeground, 99, 0, 0));
        Assert.True(trigger.OnEvent(ForegroundTrigger.EventSystemForeground, 99, 0, 0));
        Assert.True(trigger.Due(30));
        Assert.Equal(0u, trigger.WaitMs(30));
        trigger.Read(30, 99);
        Assert.False(trigger.Due(31));
        Assert.Equal(3, trigger.AcceptedEvents);

        // Title changes now count for the new foreground window only.
        Assert.False(trigger.OnEvent(ForegroundTrigger.EventObjectNameChange, 42, 0, 0));
        Assert.True(trigger.OnEvent(ForegroundTrigger.EventObjectNameChange, 99, 0, 0));
    }

    [Fact]
    public void Without_events_the_trigger_polls_every_interval()
    {
        var trigger = new ForegroundTrigger(TimeSpan.FromMilliseconds(250), nowMs: 1_000);
        trigger.Read(1_000, 0);
        Assert.False(trigger.Due(1_249));
        Assert.Equal(1u, trigger.WaitMs(1_249));
        Assert.True(trigger.Due(1_250));
        Assert.Equal(0u, trigger.WaitMs(5_000));
        // No foreground window: a name change of window 0 is never relevant.
        Assert.False(trigger.OnEvent(ForegroundTrigger.EventObjectNameChange, 0, 0, 0));
    }

    [Fact]
    public void Session_and_power_messages_become_one_event_each()
    {
        var messages = new SystemEventMessages();
        Assert.Equal(SystemEvent.Locked, messages.Map(SystemEventMessages.WmWtsSessionChange, SystemEventMessages.WtsSessionLock));
        Assert.Null(messages.Map(SystemEventMessages.WmWtsSessionChange, SystemEventMessages.WtsSessionLock));
        Assert.Equal(SystemEvent.Sleeping, messages.Map(SystemEventMessages.WmPowerBroadcast, SystemEventMessages.PbtApmSuspend));
        // A resume the user triggers sends both; the agent needs one Woke.
        Assert.Equal(SystemEvent.Woke, messages.Map(SystemEventMessages.WmPowerBroadcast, SystemEventMessages.PbtApmResumeAutomatic));
        Assert.Null(messages.Map(SystemEventMessages.WmPowerBroadcast, SystemEventMessages.PbtApmResumeSuspend));
        Assert.Equal(SystemEvent.Unlocked, messages.Map(SystemEventMessages.WmWtsSessionChange, SystemEventMessages.WtsSessionUnlock));
        // Power status changes, session logon and other messages mean nothing here.
        Assert.Null(messages.Map(SystemEventMessages.WmPowerBroadcast, 0xA));
        Assert.Null(messages.Map(SystemEventMessages.WmWtsSessionChange, 0x5));
        Assert.Null(messages.Map(0x0010, 0));
        Assert.Equal(SystemEvent.Sleeping, messages.Map(SystemEventMessages.WmPowerBroadcast, SystemEventMessages.PbtApmSuspend));
    }
}
