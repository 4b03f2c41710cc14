using System.Diagnostics;
using Presently.Server.Agents;

namespace Presently.Tests.Server;

/// <summary>The one timer refills the buckets something was taken from, until full, and no others.</summary>
public sealed class AgentRateLimitsTests
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task Only_a_bucket_taken_from_is_refilled_and_only_until_it_is_full()
    {
        var limits = new AgentRateLimits(TimeProvider.System);
        using var idle = limits.Create(perSecond: 10, burstSeconds: 1, queue: 10);
        using var busy = limits.Create(perSecond: 10, burstSeconds: 1, queue: 10);
        Assert.Equal(0, limits.Refilling);                  // idle connections cost the timer nothing

        using (var all = await busy.AcquireAsync(10, CancellationToken.None)) Assert.True(all.IsAcquired);
        var waiting = busy.AcquireAsync(5, CancellationToken.None).AsTask();   // queued: the bucket is empty
        Assert.Equal(1, limits.Refilling);
        // The limiter adds a period's tokens per period gone by (on its own clock): tick as the timer does.
        Assert.True(await TickUntilAsync(limits, () => waiting.IsCompleted), "the queued request was never granted");
        using (var lease = await waiting) Assert.True(lease.IsAcquired);

        Assert.True(await TickUntilAsync(limits, () => limits.Refilling == 0), "a full bucket is still refilled");
        using (var again = await busy.AcquireAsync(1, CancellationToken.None)) Assert.True(again.IsAcquired);
        Assert.Equal(1, limits.Refilling);                  // taken from again: refilled again
    }

    [Fact]
    public async Task A_rate_under_ten_a_second_refills_at_that_rate_not_at_the_timers()
    {
        var limits = new AgentRateLimits(TimeProvider.System);
        using var slow = limits.Create(perSecond: 2, burstSeconds: 1, queue: 1);
        using (var both = await slow.AcquireAsync(2, CancellationToken.None)) Assert.True(both.IsAcquired);
        var waiting = slow.AcquireAsync(1, CancellationToken.None).AsTask();
        var waited = Stopwatch.StartNew();
        Assert.True(await TickUntilAsync(limits, () => waiting.IsCompleted), "the queued request was never granted");
        // One token takes half a second at two a second (a slow machine only makes it longer); at the
        // timer's ten a second it came after one tick.
        Assert.True(waited.Elapsed >= TimeSpan.FromMilliseconds(400), $"a token came after {waited.ElapsedMilliseconds} ms");
        using (var lease = await waiting) Assert.True(lease.IsAcquired);
    }

    [Fact]
    public async Task A_bucket_disposed_while_refilled_is_let_go_without_an_error()
    {
        var limits = new AgentRateLimits(TimeProvider.System);
        var bucket = limits.Create(perSecond: 10, burstSeconds: 1, queue: 0);
        using (await bucket.AcquireAsync(3, CancellationToken.None)) { }
        bucket.Dispose();
        // The timer took its list of buckets before the connection ended: it still ticks this one.
        bucket.Tick();
        limits.Tick();
        Assert.Equal(0, limits.Refilling);
    }

    private static async Task<bool> TickUntilAsync(AgentRateLimits limits, Func<bool> done)
    {
        var waited = Stopwatch.StartNew();
        while (!done() && waited.Elapsed < Deadline)
        {
            await Task.Delay(AgentRateLimits.Period);
            limits.Tick();
        }
        return done();
    }
}
