using Presently.Server.Ingest;
using Presently.Server.Monitoring;
using Presently.Storage;

namespace Presently.Server.Stores;

/// <summary>Something besides the store that an instance needs to do its work (Redis, with several instances).</summary>
public interface IReadinessProbe
{
    /// <summary>Why this instance is not ready, or null when it is.</summary>
    Task<string?> ProblemAsync(CancellationToken cancellationToken);
}

public static class ReadinessEndpoints
{
    /// <summary>How long readiness waits for the store before it says no.</summary>
    public static readonly TimeSpan PingTimeout = TimeSpan.FromSeconds(2);

    /// <summary><c>/readyz</c>: 200 when the store (and Redis, if shared) answers and ingest is committing, 503 with the reason otherwise (for <see cref="MonitoringAccess"/> only).</summary>
    public static IEndpointRouteBuilder MapReadiness(this IEndpointRouteBuilder app)
    {
        app.MapGet("/readyz", async Task<IResult> (ISpanStore store, IngestWriter writer, IEnumerable<IReadinessProbe> probes, CancellationToken ct) =>
        {
            if (writer.StoreFault is { } fault) return NotReady($"storing failed ({fault}); retrying");
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
            timeout.CancelAfter(PingTimeout);
            try
            {
                await store.PingAsync(timeout.Token);
            }
            catch (Exception ex) when (!ct.IsCancellationRequested)
            {
                return NotReady(store.IsTransient(ex) || ex is OperationCanceledException ? "the store cannot be reached" : "the store fails");
            }
            foreach (var probe in probes)
                if (await probe.ProblemAsync(ct) is { } problem) return NotReady(problem);
            return TypedResults.Text("ready");
        }).RequireAuthorization(MonitoringAccess.Policy);
        return app;
    }

    private static IResult NotReady(string reason) => TypedResults.Text($"not ready: {reason}", statusCode: StatusCodes.Status503ServiceUnavailable);
}
