namespace Presently.Agent.Platforms.Windows;

/// <summary>
/// Idle time from <c>GetLastInputInfo</c>, whose time is a 32-bit tick count that wraps every
/// 49.7 days, against <c>GetTickCount64</c>, which does not.
/// </summary>
public static class IdleTime
{
    /// <summary>
    /// Both counters are compared modulo 2^32, so the answer is right across a wrap. A last input
    /// "after" now (read between the two calls) shows as a huge difference: that is no idle time.
    /// </summary>
    public static TimeSpan Since(ulong nowTicks64, uint lastInputTicks)
    {
        var elapsed = unchecked((uint)nowTicks64 - lastInputTicks);
        return elapsed > int.MaxValue ? TimeSpan.Zero : TimeSpan.FromMilliseconds(elapsed);
    }
}
