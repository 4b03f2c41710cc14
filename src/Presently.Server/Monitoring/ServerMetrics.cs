using Presently.Server.Agents;
using Prometheus;

namespace Presently.Server.Monitoring;

/// <summary>
/// The server's own measurements, published at <c>/metrics</c> in Prometheus' text format with the
/// process's (CPU, memory, GC). Each server has its own registry, so two in one process (tests) keep
/// their figures apart, and every figure counts from start, before the first scrape.
/// </summary>
public sealed class ServerMetrics
{
    private static readonly double[] SecondsBuckets = Histogram.ExponentialBuckets(0.0005, 2, 16); // 0.5 ms … 16 s
    private static readonly double[] CardBuckets = Histogram.ExponentialBuckets(1, 2, 15);        // 1 … 16,384 cards

    private readonly Gauge _agents;
    private readonly Gauge _browsers;
    private readonly Counter _spans;
    private readonly Histogram _ack;
    private readonly Histogram _commit;
    private readonly Histogram _boardPending;
    private readonly Counter _closes;
    private readonly Histogram _reports;

    public ServerMetrics(AgentConnections agents)
    {
        Registry = Metrics.NewCustomRegistry();
        DotNetStats.Register(Registry);
        var factory = Metrics.WithCustomRegistry(Registry);
        _agents = factory.CreateGauge("presently_agents_connected", "Agents connected to this instance (past Hello).");
        Registry.AddBeforeCollectCallback(() => _agents.Set(agents.Count));
        _browsers = factory.CreateGauge("presently_browsers_connected", "Board sockets open on this instance.");
        _spans = factory.CreateCounter("presently_spans_ingested_total", "Span records committed to the store.");
        _ack = factory.CreateHistogram("presently_ack_duration_seconds", "From a batch read off an agent's socket to its acknowledgement sent.",
            new HistogramConfiguration { Buckets = SecondsBuckets });
        _commit = factory.CreateHistogram("presently_store_commit_duration_seconds", "One store transaction of grouped batches.",
            new HistogramConfiguration { Buckets = SecondsBuckets });
        _boardPending = factory.CreateHistogram("presently_board_pending_cards",
            "Cards a board socket had waiting each time it read the feed: the fan-out's queue depth (coalesced: at most one per person).",
            new HistogramConfiguration { Buckets = CardBuckets });
        _closes = factory.CreateCounter("presently_agent_closes_total", "Agent connections ended, by WebSocket close code (none: no close handshake).",
            new CounterConfiguration { LabelNames = ["code"] });
        _reports = factory.CreateHistogram("presently_report_duration_seconds", "Report queries, the store's part.",
            new HistogramConfiguration { Buckets = SecondsBuckets });
    }

    /// <summary>What <c>/metrics</c> publishes.</summary>
    public CollectorRegistry Registry { get; }

    public void BrowserConnected() => _browsers.Inc();

    public void BrowserDisconnected() => _browsers.Dec();

    public void SpansCommitted(int count, TimeSpan commit)
    {
        _spans.Inc(count);
        _commit.Observe(commit.TotalSeconds);
    }

    public void Acknowledged(TimeSpan sinceReceived) => _ack.Observe(sinceReceived.TotalSeconds);

    public void BoardRead(int pendingCards) => _boardPending.Observe(pendingCards);

    /// <param name="code">The close code, or null when the connection ended without a close handshake.</param>
    public void AgentClosed(int? code) => _closes.WithLabels(code?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "none").Inc();

    public void ReportRan(TimeSpan duration) => _reports.Observe(duration.TotalSeconds);
}
