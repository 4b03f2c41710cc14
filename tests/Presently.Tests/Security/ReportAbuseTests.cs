using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Presently.Storage;
using Presently.Tests.Fixtures;

namespace Presently.Tests.Security;

/// <summary>Reports cannot be used to exhaust the server, and odd dates are a 400, never a 500.</summary>
public sealed class ReportAbuseTests
{
    /// <summary>A store whose report query waits until released (or cancelled), so a report is as slow as a test needs.</summary>
    private sealed class StallingStore(ISpanStore inner) : ISpanStore
    {
        public readonly TaskCompletionSource Release = new(TaskCreationOptions.RunContinuationsAsynchronously);
        public int Started;

        public Task InitializeAsync(CancellationToken ct = default) => inner.InitializeAsync(ct);
        public Task<AgentRegistered?> RegisterAgentAsync(AgentRegistration registration, bool sharedCredential, CancellationToken ct = default) => inner.RegisterAgentAsync(registration, sharedCredential, ct);
        public Task<IReadOnlyList<CommitOutcome>> CommitAsync(IReadOnlyList<IngestBatch> batches, CancellationToken ct = default) => inner.CommitAsync(batches, ct);
        public Task<IReadOnlyList<AgentSummary>> ListAgentsAsync(CancellationToken ct = default) => inner.ListAgentsAsync(ct);
        public Task<IReadOnlyList<StoredSpan>> GetSpansAsync(string agentId, CancellationToken ct = default) => inner.GetSpansAsync(agentId, ct);
        public Task<IReadOnlyList<StoredSpan>> GetPersonSpansAsync(string person, DateTimeOffset from, DateTimeOffset to, int maxSpans, CancellationToken ct = default) => inner.GetPersonSpansAsync(person, from, to, maxSpans, ct);
        public Task<IReadOnlyList<QuotaUse>> GetQuotaUseAsync(DateTimeOffset since, long atLeastBytes, long atLeastSpans, CancellationToken ct = default) => inner.GetQuotaUseAsync(since, atLeastBytes, atLeastSpans, ct);
        public ValueTask DisposeAsync() => inner.DisposeAsync();

        public Task RebuildRollupsAsync(CancellationToken ct = default) => inner.RebuildRollupsAsync(ct);
        public Task RecountPeopleAsync(IReadOnlyList<long> personIds, CancellationToken ct = default) => inner.RecountPeopleAsync(personIds, ct);
        public Task<bool> RefreshCategoriesAsync(CancellationToken ct = default) => inner.RefreshCategoriesAsync(ct);
        public Task<RetentionResult> DeleteSpansBeforeAsync(DateTimeOffset cutoff, bool includingRollups, CancellationToken ct = default) => inner.DeleteSpansBeforeAsync(cutoff, includingRollups, ct);
        public Task PingAsync(CancellationToken ct = default) => inner.PingAsync(ct);
        public bool IsTransient(Exception error) => inner.IsTransient(error);

        public async Task<Presently.Storage.Reports.ReportResult> RunReportAsync(Presently.Storage.Reports.ReportRequest request, CancellationToken ct = default)
        {
            Interlocked.Increment(ref Started);
            await Release.Task.WaitAsync(ct);
            return await inner.RunReportAsync(request, ct);
        }
    }

    private static async Task<(ServerHost Server, StallingStore Store)> StartStallingAsync(params string[] args)
    {
        StallingStore? store = null;
        var server = await ServerHost.StartAsync(null, null, signInAdmin: true, services: s =>
        {
            var real = s.Single(d => d.ServiceType == typeof(ISpanStore));
            s.Replace(ServiceDescriptor.Singleton<ISpanStore>(sp => store = new StallingStore((ISpanStore)real.ImplementationFactory!(sp))));
        }, args);
        return (server, store!);
    }

    [Fact]
    public async Task Reports_beyond_the_concurrency_limit_are_refused_with_503_at_once()
    {
        var (server, store) = await StartStallingAsync("--Presently:ReportConcurrency", "1", "--Presently:ReportQueue", "0");
        await using var _ = server;
        var first = server.Http.GetAsync("/api/v1/report");
        await Eventually.Until(() => Volatile.Read(ref store.Started) == 1, TimeSpan.FromSeconds(10), "the first report to start");

        using var quick = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        var second = await server.Http.GetAsync("/api/v1/report", quick.Token);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, second.StatusCode);
        Assert.NotNull(second.Headers.RetryAfter);

        store.Release.SetResult();
        Assert.Equal(HttpStatusCode.OK, (await first).StatusCode);
    }

    [Fact]
    public async Task A_report_that_runs_past_its_timeout_is_stopped_with_503()
    {
        var (server, _) = await StartStallingAsync("--Presently:ReportTimeout", "00:00:00.300");
        await using var _s = server;
        using var quick = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        var response = await server.Http.GetAsync("/api/v1/report", quick.Token);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        var page = await server.Http.GetAsync("/reports", quick.Token);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, page.StatusCode);
    }

    [Theory]
    [InlineData("/api/v1/report?from=0001-01-01")]
    [InlineData("/api/v1/report?from=0001-01-01&to=0001-01-02")]
    [InlineData("/api/v1/report?to=9999-12-31")]
    [InlineData("/api/v1/report?from=0001-01-01T00:00:00%2B14:00")]
    [InlineData("/reports?range=custom&from=2026-01-01&to=9999-12-31")]
    [InlineData("/reports?range=custom&from=0001-01-01&to=0001-01-02")]
    public async Task Dates_at_the_ends_of_the_calendar_are_a_400(string url)
    {
        await using var server = await ServerHost.StartAsync();
        var response = await server.Http.GetAsync(url);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }

    [Fact]
    public async Task A_report_has_at_most_the_row_limit_however_many_apps_an_agent_makes_up()
    {
        await using var server = await ServerHost.StartAsync(null, null, "--Presently:ReportMaxRows", "10");
        var (agent, _) = await TestAgentClient.JoinAsync(server.AgentUri, "agent-many-apps");
        await using var _a = agent;
        var t = DateTimeOffset.UtcNow.AddMinutes(-30).ToUnixTimeMilliseconds();
        await agent.SendAsync(new Presently.Protocol.SpanBatch([.. Enumerable.Range(1, 50).Select(i =>
            new Presently.Protocol.SpanRecord(i, i, t + i * 1000, t + i * 1000 + 1000, Presently.Protocol.SpanState.Active, $"made-up-{i}", null, null))]));
        Assert.IsType<Presently.Protocol.Ack>(await agent.ReceiveAsync());

        var json = await System.Net.Http.Json.HttpClientJsonExtensions.GetFromJsonAsync<System.Text.Json.JsonElement>(server.Http,
            $"/api/v1/report?from={DateTime.UtcNow.AddDays(-1):yyyy-MM-dd}&to={DateTime.UtcNow.AddDays(1):yyyy-MM-dd}&groupBy=app");
        Assert.Equal(10, json.GetProperty("rows").GetArrayLength());
        Assert.Equal(41, json.GetProperty("foldedGroups").GetInt32());
        Assert.Equal(50.0, json.GetProperty("totalSeconds").GetDouble());
        var page = await server.Http.GetStringAsync($"/reports?range=custom&from={DateTime.UtcNow.AddDays(-1):yyyy-MM-dd}&to={DateTime.UtcNow:yyyy-MM-dd}&tz=UTC");
        Assert.Contains("id=\"folded\"", page);
    }
}
