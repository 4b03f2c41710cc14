using Microsoft.Data.Sqlite;
using Presently.Protocol;
using Presently.Storage;
using Presently.Tests.Fixtures;

namespace Presently.Tests.Server;

/// <summary>The server's <c>rebuild-rollups</c> verb sums the report rollups again from the stored spans.</summary>
public sealed class RollupRebuildTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 2, 9, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task Rebuilding_repairs_rollups_that_disagree_with_the_spans()
    {
        await using var server = await ServerHost.StartAsync();
        await server.Store.RegisterAgentAsync(new AgentRegistration("a1", "ann", "h1", "Linux", "1", [], T0, 0), sharedCredential: true);
        long Ms(int minutes) => T0.AddMinutes(minutes).ToUnixTimeMilliseconds();
        await server.Store.CommitAsync([new IngestBatch("a1", [
            new SpanRecord(1, 1, Ms(0), Ms(90), SpanState.Active, "code", null, null),
            new SpanRecord(2, 2, Ms(90), Ms(100), SpanState.Active, "firefox", null, null)])]);
        var (from, to) = (new DateTimeOffset(T0.UtcDateTime.Date, TimeSpan.Zero), new DateTimeOffset(T0.UtcDateTime.Date.AddDays(1), TimeSpan.Zero));
        var expected = new Dictionary<string, long> { ["code"] = 90 * 60_000, ["firefox"] = 10 * 60_000 };
        Assert.Equal(expected, await Reports.PerAppMsAsync(server.Http, from, to));

        // Damage the daily rollup (a whole day is read from it): the report follows the damage.
        await using (var db = new SqliteConnection($"Data Source={Path.Combine(server.DataDirectory, "presently.db")};Pooling=False"))
        {
            await db.OpenAsync();
            await using var cmd = db.CreateCommand();
            cmd.CommandText = "UPDATE rollup_days SET ms = ms * 2";
            Assert.Equal(2, await cmd.ExecuteNonQueryAsync());
        }
        Assert.Equal(180 * 60_000, (await Reports.PerAppMsAsync(server.Http, from, to))["code"]);

        var output = await ChildProcess.RunAsync("dotnet", [Path.Combine(AppContext.BaseDirectory, "presently-server.dll"), "rebuild-rollups",
            "--Presently:DataDirectory", server.DataDirectory]);
        Assert.StartsWith("rollups rebuilt from the stored spans", output.Trim());
        Assert.Equal(expected, await Reports.PerAppMsAsync(server.Http, from, to));
    }
}
