using System.Threading.RateLimiting;
using Microsoft.Extensions.Options;
using Presently.Server.Monitoring;
using Presently.Server.Options;
using Presently.Storage;
using Presently.Storage.Reports;

namespace Presently.Server.Reports;

/// <summary>
/// Runs report queries for the page and the API under two bounds: at most
/// <see cref="ServerOptions.ReportConcurrency"/> at once (more wait in a short queue, beyond it they
/// are turned away), and <see cref="ServerOptions.ReportTimeout"/> for each, waiting included. A
/// flood of reports costs a few queries' memory, not one per request.
/// </summary>
public sealed class ReportRunner : IDisposable
{
    private readonly ISpanStore _store;
    private readonly ServerOptions _options;
    private readonly TimeProvider _time;
    private readonly ConcurrencyLimiter _limiter;
    private readonly ServerMetrics _metrics;

    public ReportRunner(ISpanStore store, IOptions<ServerOptions> options, TimeProvider time, ServerMetrics metrics)
    {
        _store = store;
        _metrics = metrics;
        _options = options.Value;
        _time = time;
        _limiter = new ConcurrencyLimiter(new ConcurrencyLimiterOptions
        {
            PermitLimit = _options.ReportConcurrency,
            QueueLimit = _options.ReportQueue,
            QueueProcessingOrder = QueueProcessingOrder.OldestFirst,
        });
    }

    /// <summary>Null when the server is too busy or the report took too long: the caller answers 503.</summary>
    public async Task<ReportResult?> RunAsync(ReportQuery q, string? onlyPerson, CancellationToken requestAborted)
    {
        using var timeout = new CancellationTokenSource(_options.ReportTimeout, _time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(requestAborted, timeout.Token);
        try
        {
            using var lease = await _limiter.AcquireAsync(1, linked.Token);
            if (!lease.IsAcquired) return null;
            var started = _time.GetTimestamp();
            var result = await _store.RunReportAsync(new ReportRequest(q.From, q.To, q.TimeZone, q.GroupBy, onlyPerson, _options.ReportMaxRows, q.DayStartHour), linked.Token);
            _metrics.ReportRan(_time.GetElapsedTime(started));
            return result;
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested && !requestAborted.IsCancellationRequested)
        {
            return null;
        }
    }

    /// <summary>What a turned-away request is told, and when to come back.</summary>
    public const string BusyMessage = "the server is busy with other reports, or this one took too long; try again shortly or ask for a shorter period";

    public const int RetryAfterSeconds = 5;

    public void Dispose() => _limiter.Dispose();
}
