using Presently.Protocol;
using Presently.Storage;
using Presently.Storage.Ingest;
using Presently.Storage.Reports;

namespace Presently.Tests.Storage.Contract;

/// <summary>A person with two computers active at once is counted once: the device in front (the span that started last) holds the time.</summary>
public abstract partial class SpanStoreContract
{
    private const long Min = 60_000;

    // 08:10 UTC: the desktop's span starts off the hour, so reports read both rollups and edges.
    private static readonly long DeskStart = new DateTimeOffset(2026, 11, 30, 8, 10, 0, TimeSpan.Zero).ToUnixTimeMilliseconds();

    /// <summary>
    /// Ann codes on her desktop 08:10–09:10; her laptop is active with Slack 08:20–08:35 and then idle
    /// to 08:50. Delivered as agents do it: announced, extended by checkpoints, interleaved. By hand:
    /// desktop 08:10–08:20 and 08:35–09:10 (45 min), laptop 08:20–08:35 (15 min); 60 min in all, not 75.
    /// </summary>
    private async Task StoreAnnsTwoDevicesAsync()
    {
        await RegisterAsync("desk", "ann", "desktop");
        await RegisterAsync("lap", "ann", "laptop");
        await RegisterAsync("b1", "bob", "h3");
        await Store.CommitAsync([
            new IngestBatch("desk", [new SpanRecord(1, 1, DeskStart, DeskStart, SpanState.Active, "code", null, null), new SpanRecord(2, 1, DeskStart, DeskStart + 20 * Min, SpanState.Active, "code", null, null)]),
            new IngestBatch("b1", [new SpanRecord(1, 1, DeskStart, DeskStart + 30 * Min, SpanState.Active, "figma", null, null)]),
        ]);
        await Store.CommitAsync([new IngestBatch("lap", [new SpanRecord(1, 1, DeskStart + 10 * Min, DeskStart + 20 * Min, SpanState.Active, "slack", null, null)])]);
        await Store.CommitAsync([new IngestBatch("desk", [new SpanRecord(3, 1, DeskStart, DeskStart + 40 * Min, SpanState.Active, "code", null, null)])]);
        await Store.CommitAsync([new IngestBatch("lap", [
            new SpanRecord(2, 1, DeskStart + 10 * Min, DeskStart + 25 * Min, SpanState.Active, "slack", null, null),
            new SpanRecord(3, 2, DeskStart + 25 * Min, DeskStart + 40 * Min, SpanState.Idle, null, null, null)])]);
        await Store.CommitAsync([new IngestBatch("desk", [new SpanRecord(4, 1, DeskStart, DeskStart + 60 * Min, SpanState.Active, "code", null, null)])]);
    }

    private async Task<Dictionary<string, long>> MinutesAsync(long fromMs, long toMs, params ReportDimension[] groupBy)
    {
        var result = await Store.RunReportAsync(new ReportRequest(DateTimeOffset.FromUnixTimeMilliseconds(fromMs), DateTimeOffset.FromUnixTimeMilliseconds(toMs), TimeZoneInfo.Utc, groupBy));
        return result.Rows.ToDictionary(r => string.Join("/", r.Key), r => r.Milliseconds / Min);
    }

    [Fact]
    public async Task A_person_active_on_two_computers_at_once_is_counted_once_for_the_device_in_front()
    {
        await StoreAnnsTwoDevicesAsync();
        // 08:00–10:00 (whole hours: rollups) and 08:15–08:55 (edges: spans and overlaps).
        Assert.Equal(new Dictionary<string, long> { ["ann/code"] = 45, ["ann/slack"] = 15, ["bob/figma"] = 30 },
            await MinutesAsync(DeskStart - 10 * Min, DeskStart + 110 * Min, ReportDimension.Person, ReportDimension.App));
        Assert.Equal(new Dictionary<string, long> { ["ann/desk"] = 25, ["ann/lap"] = 15, ["bob/b1"] = 25 },
            await MinutesAsync(DeskStart + 5 * Min, DeskStart + 45 * Min, ReportDimension.Person, ReportDimension.Agent));
        Assert.Equal(new Dictionary<string, long> { ["ann"] = 60, ["bob"] = 30 }, await MinutesAsync(DeskStart - 10 * Min, DeskStart + 110 * Min, ReportDimension.Person));
        await AssertRollupsMatchRebuildAsync();
    }

    [Fact]
    public async Task Moving_a_computer_to_another_person_or_removing_it_with_its_data_gives_the_time_back()
    {
        await StoreAnnsTwoDevicesAsync();
        var accounts = (IAccountStore)Registry;
        var (ann, bob) = ((await accounts.FindPersonAsync("ann"))!.Id, (await accounts.FindPersonAsync("bob"))!.Id);

        Assert.True(await Registry.ReassignAsync("lap", bob));
        await Store.RecountPeopleAsync([ann, bob]);
        // Ann keeps her desktop's hour; bob's laptop and figma overlap now: slack started later, so it holds 08:20–08:35.
        Assert.Equal(new Dictionary<string, long> { ["ann/code"] = 60, ["bob/figma"] = 15, ["bob/slack"] = 15 },
            await MinutesAsync(DeskStart - 10 * Min, DeskStart + 110 * Min, ReportDimension.Person, ReportDimension.App));
        await AssertRollupsMatchRebuildAsync();

        Assert.True(await Registry.RemoveAsync("lap", deleteData: true));
        await Store.RecountPeopleAsync([bob]);
        Assert.Equal(new Dictionary<string, long> { ["ann/code"] = 60, ["bob/figma"] = 30 },
            await MinutesAsync(DeskStart - 10 * Min, DeskStart + 110 * Min, ReportDimension.Person, ReportDimension.App));
        await AssertRollupsMatchRebuildAsync();
    }
}
