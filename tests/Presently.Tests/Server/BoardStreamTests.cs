using System.Globalization;
using System.Text.RegularExpressions;
using Microsoft.Extensions.DependencyInjection;
using Presently.Protocol;
using Presently.Server.Auth;
using Presently.Server.Live;
using Presently.Tests.Fixtures;
using static Presently.Server.Board.BoardIds;

namespace Presently.Tests.Server;

/// <summary>
/// The board stream of one browser, read at the browser's pace: a reader that falls behind gets the
/// latest card of each person once (coalesced), never a backlog and never a drop; presence viewers are
/// told only of what a presence card shows.
/// </summary>
public sealed class BoardStreamTests : IAsyncLifetime
{
    private const int People = 200;
    private ServerHost _server = null!;
    private LiveState _live = null!;
    private readonly Guid[] _sessions = [.. Enumerable.Range(0, People).Select(_ => Guid.NewGuid())];
    private readonly long[] _seqs = new long[People];
    private readonly long _start = DateTimeOffset.UtcNow.AddHours(-1).ToUnixTimeMilliseconds();

    public async ValueTask InitializeAsync()
    {
        _server = await ServerHost.StartAsync();
        _live = _server.Services.GetRequiredService<LiveState>();
        for (var i = 0; i < People; i++)
        {
            _live.Connected(_sessions[i], AgentId(i), Name(i), $"host-{i}", "Linux", 0);
            Switch(i, "Editor", "start");
        }
    }

    public async ValueTask DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public async Task A_browser_that_reads_late_gets_each_persons_latest_card_once_and_stays_connected()
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var stream = Stream(new Viewer("admin", IsAdmin: true), cts.Token);
        var snapshot = await SnapshotAsync(stream);
        Assert.Contains("hx-swap-oob=\"innerHTML\"", snapshot);
        Assert.Equal(People, Regex.Matches(snapshot, "<article class=\"card").Count);

        // 10,000 changes while the browser reads nothing: before, its queue of 256 overflowed and it was dropped.
        for (var round = 0; round < 50; round++)
            for (var i = 0; i < People; i++) Switch(i, $"App {round}", $"round {round}");

        var cards = new List<string>();
        var messages = 0;
        var chars = 0;
        while (cards.Count < People)
        {
            var message = await NextAsync(stream);
            messages++;
            chars += message.Length;
            Assert.DoesNotContain("hx-swap-oob=\"innerHTML\"", message);
            cards.AddRange(Regex.Matches(message, "<article class=\"card [a-z]+\" id=\"([^\"]+)\"").Select(m => m.Groups[1].Value));
            Assert.DoesNotContain("round 48", message);
        }
        Assert.Equal(Enumerable.Range(0, People).Select(i => Person(Name(i))).Order(StringComparer.Ordinal), cards.Order(StringComparer.Ordinal));
        // As few messages as their size allows: coalesced, not one per change.
        Assert.True(messages <= chars / BoardFanOut.MessageChars + 1, $"{messages} messages for {chars} characters");

        // Still live: the next change arrives alone.
        Switch(7, "Terminal", "after");
        var next = await NextAsync(stream);
        Assert.Single(Regex.Matches(next, "<article class=\"card"));
        Assert.Contains("<div class=\"app\">Terminal</div>", next);
    }

    [Fact]
    public async Task A_presence_viewer_is_not_told_of_app_switches_however_they_coalesce()
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var stream = Stream(new Viewer(Name(1), IsAdmin: false), cts.Token);
        var snapshot = await SnapshotAsync(stream);
        // Only the viewer's own card names an app.
        Assert.Single(Regex.Matches(snapshot, "<div class=\"app\">Editor</div>"));

        // App switches of person 0 (a presence card shows none of them), then person 0 goes idle.
        for (var k = 0; k < 5; k++) Switch(0, $"App {k}", $"title {k}");
        var idleAt = _start + ++_seqs[0] * 1000;
        _live.SpansCommitted([new CommittedSpan(_sessions[0], AgentId(0), new SpanRecord(_seqs[0], _seqs[0], idleAt, idleAt + 500, SpanState.Idle, null, null, null))]);

        var message = await NextAsync(stream);
        Assert.Single(Regex.Matches(message, "<article class=\"card"));
        Assert.Contains($"<article class=\"card idle\" id=\"{Person(Name(0))}\"", message);
        Assert.DoesNotContain("App ", message);
        Assert.DoesNotContain("title ", message);

        // Switches that change nothing a presence card shows send nothing; the viewer's own card shows all.
        for (var k = 0; k < 5; k++) Switch(2, $"App {k}", $"title {k}");
        Switch(1, "Own app", "own title");
        var own = await NextAsync(stream);
        Assert.Single(Regex.Matches(own, "<article class=\"card"));
        Assert.Contains("Own app", own);
    }

    [Fact]
    public async Task A_person_who_leaves_and_comes_back_while_the_browser_is_behind_is_replaced_in_place()
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var stream = Stream(new Viewer("admin", IsAdmin: true), cts.Token);
        await SnapshotAsync(stream);

        _live.Remove(AgentId(3));
        _live.Remove(AgentId(4));
        _live.Connected(_sessions[3], AgentId(3), Name(3), "host-3", "Linux", 0);
        Switch(3, "Back", "again");
        var message = await NextAsync(stream);
        Assert.Contains($"<article id=\"{Person(Name(4))}\" hx-swap-oob=\"delete\">", message);
        Assert.Matches($"<article class=\"card active\" id=\"{Person(Name(3))}\" hx-swap-oob=\"outerHTML\"", message);
        Assert.DoesNotContain("beforeend", message);
    }

    private void Switch(int i, string app, string title)
    {
        var at = _start + ++_seqs[i] * 1000;
        _live.SpansCommitted([new CommittedSpan(_sessions[i], AgentId(i), new SpanRecord(_seqs[i], _seqs[i], at, at + 500, SpanState.Active, app, title, null))]);
    }

    private IAsyncEnumerator<string> Stream(Viewer viewer, CancellationToken ct) =>
        _server.Services.GetRequiredService<BoardFanOut>().StreamAsync(viewer, ct).GetAsyncEnumerator(ct);

    /// <summary>The whole board: its first message, and those that append the cards that did not fit in it.</summary>
    private static async Task<string> SnapshotAsync(IAsyncEnumerator<string> stream)
    {
        var snapshot = await NextAsync(stream);
        Assert.Contains("hx-swap-oob=\"innerHTML\"", snapshot);
        Assert.True(snapshot.Length <= BoardFanOut.MessageChars * 2, $"a first message of {snapshot.Length} characters");
        while (Regex.Matches(snapshot, "<article class=\"card").Count < People)
        {
            var more = await NextAsync(stream);
            Assert.Contains("hx-swap-oob=\"beforeend\"", more);
            Assert.True(more.Length <= BoardFanOut.MessageChars * 2, $"a message of {more.Length} characters");
            snapshot += more;
        }
        return snapshot;
    }

    private static async Task<string> NextAsync(IAsyncEnumerator<string> stream)
    {
        Assert.True(await stream.MoveNextAsync());
        return stream.Current;
    }

    private static string Name(int i) => "person-" + i.ToString("D3", CultureInfo.InvariantCulture);

    private static string AgentId(int i) => "agent-" + i.ToString("D3", CultureInfo.InvariantCulture);
}
