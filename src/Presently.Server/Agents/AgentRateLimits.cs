using System.Collections.Concurrent;
using System.Threading.RateLimiting;

namespace Presently.Server.Agents;

/// <summary>
/// Makes the token buckets every agent connection is held to (frames, spans) and refills them from
/// one timer, ten times a second. A bucket that refilled itself ran a timer of its own: two per
/// connected agent, 60,000 timer callbacks a second for 3,000 idle agents (measured: 39 % of a core).
/// Only buckets something was taken from are refilled, until they are full again: refilling every
/// bucket on every tick still cost a tenth of an instance's CPU with 5,000 agents connected.
/// </summary>
public sealed class AgentRateLimits(TimeProvider time) : BackgroundService
{
    public static readonly TimeSpan Period = TimeSpan.FromMilliseconds(100);
    private const int TicksPerSecond = 10;

    /// <summary>The buckets that are not full (or may not be): the ones a tick refills.</summary>
    private readonly ConcurrentDictionary<Bucket, byte> _refilling = new();

    /// <summary>How many buckets the next tick refills.</summary>
    internal int Refilling => _refilling.Count;

    /// <summary>
    /// A bucket of <paramref name="perSecond"/> tokens a second holding <paramref name="burstSeconds"/>
    /// seconds' worth, with room for <paramref name="queue"/> tokens of waiting requests. Dispose it with the connection.
    /// </summary>
    public Bucket Create(int perSecond, int burstSeconds, int queue)
    {
        perSecond = Math.Max(1, perSecond);
        var tokenLimit = (int)Math.Min(int.MaxValue, (long)perSecond * burstSeconds);
        return new Bucket(this, new TokenBucketRateLimiter(new TokenBucketRateLimiterOptions
        {
            TokenLimit = tokenLimit,
            // The limiter adds a period's tokens for each period gone by when ticked (measured on its own
            // clock), so under ten a second a period is one token's time, and ticks in between add nothing.
            TokensPerPeriod = Math.Max(1, perSecond / TicksPerSecond),
            ReplenishmentPeriod = perSecond >= TicksPerSecond ? Period : TimeSpan.FromSeconds(1.0 / perSecond),
            QueueLimit = queue,
            QueueProcessingOrder = QueueProcessingOrder.OldestFirst,
            AutoReplenishment = false,
        }), tokenLimit);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Period, time);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
                Tick();
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    /// <summary>One refill of every bucket that needs it (the timer's tick).</summary>
    internal void Tick()
    {
        foreach (var bucket in _refilling.Keys) bucket.Tick();
    }

    public sealed class Bucket : IDisposable
    {
        private readonly AgentRateLimits _owner;
        private readonly TokenBucketRateLimiter _limiter;
        private readonly long _tokenLimit;

        internal Bucket(AgentRateLimits owner, TokenBucketRateLimiter limiter, int tokenLimit)
        {
            _owner = owner;
            _limiter = limiter;
            _tokenLimit = tokenLimit;
        }

        public ValueTask<RateLimitLease> AcquireAsync(int tokens, CancellationToken ct)
        {
            // Tokens taken (or the request queued) first, refilled from then on: a tick that finds the
            // bucket full before this and lets it go looks again after (Tick), so the bucket is never left out.
            var lease = _limiter.AcquireAsync(tokens, ct);
            _owner._refilling.TryAdd(this, 0);
            return lease;
        }

        internal void Tick()
        {
            _limiter.TryReplenish();
            if (!Full) return;
            _owner._refilling.TryRemove(this, out _);
            // Taken from meanwhile: back in.
            if (!Full) _owner._refilling.TryAdd(this, 0);
        }

        private bool Full
        {
            get
            {
                try
                {
                    return _limiter.GetStatistics() is { CurrentQueuedCount: 0 } stats && stats.CurrentAvailablePermits >= _tokenLimit;
                }
                catch (ObjectDisposedException)
                {
                    // Its connection ended while the tick ran: nothing left to refill.
                    return true;
                }
            }
        }

        public void Dispose()
        {
            _owner._refilling.TryRemove(this, out _);
            _limiter.Dispose();
        }
    }
}
