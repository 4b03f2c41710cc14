using System.Runtime.InteropServices;
using Presently.Agent.Interop.Linux;

namespace Presently.Agent.Platforms.Linux.X11;

/// <summary>
/// Two alarms on the X server's IDLETIME counter (SYNC extension): one fires when input has stopped
/// for the idle threshold, one when input comes back after that. With them the sensor need not ask
/// for idle time every second — it sleeps until the X server has something to say — and the return
/// from idle is seen at the input itself, not at the next poll.
/// </summary>
internal sealed unsafe class IdleAlarms : IDisposable
{
    private readonly SafeDisplayHandle _display;
    private readonly nuint _becameIdle;
    private readonly nuint _becameActive;

    private IdleAlarms(SafeDisplayHandle display, int eventBase, nuint becameIdle, nuint becameActive)
    {
        _display = display;
        NotifyEvent = eventBase + XSync.AlarmNotify;
        _becameIdle = becameIdle;
        _becameActive = becameActive;
    }

    /// <summary>The X event type these alarms arrive as.</summary>
    public int NotifyEvent { get; }

    /// <summary>Sets the alarms, or says why it cannot (the sensor then polls).</summary>
    public static IdleAlarms? TryCreate(SafeDisplayHandle display, TimeSpan threshold, out string? why)
    {
        try
        {
            if (!XSync.XSyncQueryExtension(display, out var eventBase, out _) || XSync.XSyncInitialize(display, out _, out _) == 0)
            {
                why = "the X server has no SYNC extension";
                return null;
            }
            var counter = FindCounter(display, "IDLETIME"u8);
            if (counter == 0)
            {
                why = "the X server has no IDLETIME counter";
                return null;
            }
            var ms = Math.Max(1, (long)threshold.TotalMilliseconds);
            var idle = Create(display, counter, ms, XSync.PositiveTransition);
            var active = Create(display, counter, ms, XSync.NegativeTransition);
            Xlib.XFlush(display);
            why = null;
            return new IdleAlarms(display, eventBase, idle, active);
        }
        catch (DllNotFoundException)
        {
            why = "libXext.so.6 is missing (Debian package libxext6)";
            return null;
        }
        catch (EntryPointNotFoundException)
        {
            why = "libXext.so.6 has no SYNC functions";
            return null;
        }
    }

    public void Dispose()
    {
        if (_display.IsClosed) return;
        XSync.XSyncDestroyAlarm(_display, _becameIdle);
        XSync.XSyncDestroyAlarm(_display, _becameActive);
        Xlib.XFlush(_display);
    }

    private static nuint FindCounter(SafeDisplayHandle display, ReadOnlySpan<byte> name)
    {
        var list = XSync.XSyncListSystemCounters(display, out var count);
        if (list is null) return 0;
        try
        {
            for (var i = 0; i < count; i++)
                if (list[i].Name is not null && MemoryMarshal.CreateReadOnlySpanFromNullTerminated(list[i].Name).SequenceEqual(name))
                    return list[i].Counter;
            return 0;
        }
        finally
        {
            XSync.XSyncFreeSystemCounterList(list);
        }
    }

    private static nuint Create(SafeDisplayHandle display, nuint counter, long valueMs, int test)
    {
        var attributes = new XSync.AlarmAttributes
        {
            Trigger = new XSync.Trigger { Counter = counter, ValueType = XSync.Absolute, WaitValue = XSync.Value.From(valueMs), TestType = test },
            Delta = XSync.Value.From(0),
            Events = 1,
        };
        return XSync.XSyncCreateAlarm(display, XSync.CACounter | XSync.CAValueType | XSync.CAValue | XSync.CATestType | XSync.CADelta | XSync.CAEvents, ref attributes);
    }
}
