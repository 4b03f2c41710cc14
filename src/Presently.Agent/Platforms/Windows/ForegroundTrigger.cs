namespace Presently.Agent.Platforms.Windows;

/// <summary>
/// Decides when the Windows sensor reads the foreground window: on a foreground change, on a title
/// change of the foreground window itself (not of its controls, nor of background windows — name
/// changes arrive from every window on the desktop), and at least every poll interval. Any number of
/// events between two reads cause one read. Times are milliseconds of a monotonic clock.
/// </summary>
public sealed class ForegroundTrigger
{
    public const uint EventSystemForeground = 0x0003;
    public const uint EventObjectNameChange = 0x800C;
    private const int ObjIdWindow = 0;
    private const int ChildIdSelf = 0;

    private readonly long _pollMs;
    private long _lastReadMs;
    private bool _pending = true;

    public ForegroundTrigger(TimeSpan pollInterval, long nowMs)
    {
        _pollMs = (long)Math.Clamp(pollInterval.TotalMilliseconds, 10, 60_000);
        _lastReadMs = nowMs;
    }

    /// <summary>The window the last read found in front; title changes of other windows are ignored.</summary>
    public IntPtr Foreground { get; private set; }

    /// <summary>Events that led to a read since the start (for the log and tests).</summary>
    public long AcceptedEvents { get; private set; }

    /// <summary>Notes a WinEvent; returns whether it calls for a read.</summary>
    public bool OnEvent(uint winEvent, IntPtr hwnd, int idObject, int idChild)
    {
        var relevant = winEvent switch
        {
            EventSystemForeground => true,
            EventObjectNameChange => hwnd != IntPtr.Zero && hwnd == Foreground && idObject == ObjIdWindow && idChild == ChildIdSelf,
            _ => false,
        };
        if (!relevant) return false;
        AcceptedEvents++;
        _pending = true;
        return true;
    }

    /// <summary>Whether to read now: an accepted event is pending, or the poll interval has passed.</summary>
    public bool Due(long nowMs) => _pending || nowMs - _lastReadMs >= _pollMs;

    /// <summary>How long the message wait may last before the next poll is due.</summary>
    public uint WaitMs(long nowMs) => _pending ? 0 : (uint)Math.Clamp(_lastReadMs + _pollMs - nowMs, 0, _pollMs);

    /// <summary>Records a read of <paramref name="foreground"/>: pending events are answered by it.</summary>
    public void Read(long nowMs, IntPtr foreground)
    {
        _pending = false;
        _lastReadMs = nowMs;
        Foreground = foreground;
    }
}
