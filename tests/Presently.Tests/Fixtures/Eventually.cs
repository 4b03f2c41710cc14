using System.Diagnostics;

namespace Presently.Tests.Fixtures;

/// <summary>Waits for a condition with a deadline, instead of sleeping and hoping.</summary>
public static class Eventually
{
    public static async Task<T> Until<T>(Func<Task<T>> probe, Func<T, bool> done, TimeSpan timeout, string what)
    {
        var sw = Stopwatch.StartNew();
        T last = await probe();
        while (!done(last))
        {
            if (sw.Elapsed > timeout) throw new TimeoutException($"{what} did not happen within {timeout.TotalSeconds:0.#} s; last value: {last}");
            await Task.Delay(20);
            last = await probe();
        }
        return last;
    }

    public static Task Until(Func<bool> condition, TimeSpan timeout, string what) =>
        Until(() => Task.FromResult(condition()), ok => ok, timeout, what);
}
