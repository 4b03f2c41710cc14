using Presently.Server.Ingest;
using Presently.Server.Monitoring;
using Presently.Storage;

namespace Presently.Server.Stores;

public static class ReadinessEndpoints
{
    /// <summary>How long readiness waits for the store before it says no.</summary>
    private static readonly TimeSpan PingTimeout = TimeSpan.FromSeconds(2);

    /// <summary><c>/readyz</c>: 200 when the store answers and ingest is committing, 503 with the reason otherwise (for <see cref="MonitoringAccess"/> only).</summary>
    public static IEndpointRouteBuilder MapReadiness(this IEndpointRouteBuilder app)
    {
        app.MapGet("/readyz", async Task<IResult> (ISpanStore store, IngestWriter writer, CancellationToken ct) =>
        {
            if (writer.StoreFault is { } fault) return TypedResults.Text($"not ready: storing failed ({fault}); retrying", statusCode: StatusCodes.Status503ServiceUnavailable);
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
            timeout.CancelAfter(PingTimeout);
            try
            {
                await store.PingAsync(timeout.Token);
                return TypedResults.Text("ready");
            }
            catch (Exception ex) when (!ct.IsCancellationRequested)
            {
                return TypedResults.Text(store.IsTransient(ex) || ex is OperationCanceledException ? "not ready: the store cannot be reached" : "not ready: the store fails",
                    statusCode: StatusCodes.Status503ServiceUnavailable);
            }
        }).RequireAuthorization(MonitoringAccess.Policy);
        return app;
    }
}
