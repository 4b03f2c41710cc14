using System.Globalization;
using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Presently.Protocol;
using Presently.Server.Admin;
using Presently.Storage;
using Presently.Tests.Fixtures;

namespace Presently.Tests.Server;

/// <summary>The retention setting on /admin/retention, and the service that applies it at once and every day.</summary>
public sealed class RetentionTests : IAsyncLifetime
{
    private readonly FakeTimeProvider _time = new(TimeProvider.System.GetUtcNow());
    private ServerHost _server = null!;
    private long _seq;

    public async ValueTask InitializeAsync() => _server = await ServerHost.StartAsync(null, _time);

    public async ValueTask DisposeAsync() => await _server.DisposeAsync();

    private async Task StoreSpanAsync(string agent, DateTimeOffset start, TimeSpan length)
    {
        await _server.Store.RegisterAgentAsync(new AgentRegistration(agent, "tess", "laptop", "Linux", "1.0", ["x11"], _time.GetUtcNow(), 0), sharedCredential: true);
        var seq = ++_seq;
        await _server.Store.CommitAsync([new IngestBatch(agent, [new SpanRecord(seq, seq, start.ToUnixTimeMilliseconds(), (start + length).ToUnixTimeMilliseconds(), SpanState.Active, "code", $"span {seq}", null)])]);
    }

    private async Task<List<long>> SpanIdsAsync(string agent) => [.. (await _server.Store.GetSpansAsync(agent)).Select(s => s.SpanId)];

    [Fact]
    public async Task Saving_a_retention_period_deletes_older_spans_at_once_then_every_day_and_audits_both()
    {
        var now = _time.GetUtcNow();
        await StoreSpanAsync("ret-agent", now.AddMonths(-3), TimeSpan.FromHours(1));   // span 1: older than two months
        await StoreSpanAsync("ret-agent", now.AddDays(-1), TimeSpan.FromMinutes(30));  // span 2: recent
        await StoreSpanAsync("ret-agent", now.AddDays(-40), TimeSpan.FromMinutes(30)); // span 3: inside two months
        var page = await _server.Http.GetStringAsync("/admin/retention");
        Assert.Contains("keep forever, rollups kept", page);

        // A member may not change it, even with a valid antiforgery token of their own.
        using (var member = await _server.SignInAsync("ret-member", Role.Member))
        {
            var refused = await member.PostFormAsync("/account", "/admin/retention", new() { ["months"] = "1", ["rollups"] = "delete" });
            Assert.True(refused.StatusCode is HttpStatusCode.Forbidden || refused.Headers.Location?.OriginalString.Contains("/denied", StringComparison.Ordinal) == true,
                $"member got {(int)refused.StatusCode} {refused.Headers.Location}");
        }
        Assert.Null(await _server.Services.GetRequiredService<IAccountStore>().GetSettingAsync(RetentionSettings.MonthsKey));

        // Out of range or not a number: one line says why, nothing is saved.
        foreach (var (months, rollups) in new[] { ("121", "keep"), ("-1", "keep"), ("two", "keep"), ("2", "maybe") })
        {
            var bad = await _server.Admin.PostFormAsync("/admin/retention", "/admin/retention", new() { ["months"] = months, ["rollups"] = rollups });
            Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
            Assert.Contains("class=\"error\"", await bad.Content.ReadAsStringAsync());
        }
        Assert.Equal([1L, 2, 3], (await SpanIdsAsync("ret-agent")).Order());

        var saved = await _server.Admin.PostFormAsync("/admin/retention", "/admin/retention", new() { ["months"] = "2", ["rollups"] = "keep" });
        Assert.Equal(HttpStatusCode.Redirect, saved.StatusCode);
        await Eventually.Until(() => SpanIdsAsync("ret-agent"), ids => !ids.Contains(1), TimeSpan.FromSeconds(10), "the span three months old to be deleted");
        Assert.Equal([2L, 3], (await SpanIdsAsync("ret-agent")).Order());

        var cutoff = Retention.CutoffFor(now, 2).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
        var audit = await Eventually.Until(() => _server.Http.GetStringAsync("/admin/audit"), a => a.Contains("retention deleted"), TimeSpan.FromSeconds(10), "the deletion in the audit log");
        Assert.Contains($"spans before {cutoff}", audit);
        Assert.Contains("1 span rows; rollups kept", audit);
        var change = Assert.Single(await _server.Services.GetRequiredService<IAuditLog>().ListAsync(10, action: "changed retention"));
        Assert.Equal((ServerHost.AdminName, "keep forever, rollups kept → 2 months, rollups kept"), (change.Actor, change.Detail));
        Assert.Contains("2 months, rollups kept", await _server.Http.GetStringAsync("/admin/retention"));

        // An offline agent delivers old time later: the next daily run deletes it.
        await StoreSpanAsync("ret-late", now.AddMonths(-4), TimeSpan.FromMinutes(10));
        Assert.Single(await SpanIdsAsync("ret-late"));
        _time.Advance(RetentionService.Interval);
        await Eventually.Until(() => SpanIdsAsync("ret-late"), ids => ids.Count == 0, TimeSpan.FromSeconds(10), "the late old span to be deleted by the daily run");
        Assert.Equal([2L, 3], (await SpanIdsAsync("ret-agent")).Order());
        // Audited right after the deletion.
        var deletions = await Eventually.Until(() => _server.Services.GetRequiredService<IAuditLog>().ListAsync(10, action: "retention deleted"),
            d => d.Count == 2, TimeSpan.FromSeconds(10), "the second deletion in the audit log");
        Assert.Equal("spans before " + Retention.CutoffFor(now + RetentionService.Interval, 2).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture), deletions[0].Target);
    }
}
