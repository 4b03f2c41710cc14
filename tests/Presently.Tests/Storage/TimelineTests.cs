using Presently.Protocol;
using Presently.Storage;
using Presently.Storage.Reports;

namespace Presently.Tests.Storage;

/// <summary>The timeline's pure transforms: lanes per computer cut to the period, and the top titles.</summary>
public sealed class TimelineTests
{
    private static readonly DateTimeOffset T = new(2026, 11, 30, 9, 0, 0, TimeSpan.Zero);

    private static StoredSpan Span(string agent, long id, int fromMin, int toMin, SpanState state, string? app, string? title) =>
        new(agent, id, id, T.AddMinutes(fromMin), T.AddMinutes(toMin), state, app, title, null);

    [Fact]
    public void Lanes_hold_each_computers_stretches_cut_to_the_period_in_order()
    {
        var spans = new[]
        {
            Span("laptop", 2, 30, 50, SpanState.Idle, null, null),
            Span("laptop", 1, -20, 30, SpanState.Active, "code", "a.cs"),
            Span("desktop", 1, 40, 90, SpanState.Active, "slack", "#web"),
            Span("laptop", 3, 70, 70, SpanState.Active, "firefox", "empty"),
            Span("laptop", 4, 200, 210, SpanState.Active, "firefox", "outside"),
        };
        var lanes = Timeline.Lanes(spans, T, T.AddHours(1));

        Assert.Equal(["desktop", "laptop"], lanes.Select(l => l.AgentId));
        Assert.Equal([(40, 60, "slack")], lanes[0].Segments.Select(s => ((int)(s.Start - T).TotalMinutes, (int)(s.End - T).TotalMinutes, s.App!)));
        Assert.Equal([(0, 30, SpanState.Active), (30, 50, SpanState.Idle)],
            lanes[1].Segments.Select(s => ((int)(s.Start - T).TotalMinutes, (int)(s.End - T).TotalMinutes, s.State)));
    }

    [Fact]
    public void Top_titles_sum_active_time_per_app_and_title_within_the_period_longest_first()
    {
        var spans = new[]
        {
            Span("laptop", 1, 0, 10, SpanState.Active, "code", "a.cs"),
            Span("laptop", 2, 10, 15, SpanState.Active, "firefox", "docs"),
            Span("desktop", 1, 20, 40, SpanState.Active, "code", "a.cs"),
            Span("laptop", 3, 40, 100, SpanState.Active, "firefox", "news"),  // 20 min inside the hour
            Span("laptop", 4, 15, 20, SpanState.Idle, "code", "a.cs"),        // idle time is no one's title time
            Span("laptop", 5, 45, 50, SpanState.Active, "xterm", null),       // no title
        };
        var top = Timeline.TopTitles(spans, T, T.AddHours(1), 2);

        Assert.Equal([("code", "a.cs", 30.0), ("firefox", "news", 20.0)], top.Select(t => (t.App, t.Title, t.Active.TotalMinutes)));
    }
}
