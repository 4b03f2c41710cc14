using Presently.Protocol;
using Presently.Server.Agents;

namespace Presently.Tests.Server;

public class IngestValidatorTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 29, 12, 0, 0, TimeSpan.Zero);
    private static readonly long NowMs = Now.ToUnixTimeMilliseconds();

    private static SpanRecord Span(long start, long end, SpanState state = SpanState.Active, string? app = "app", string? title = "t") =>
        new(1, 1, start, end, state, app, title, null);

    private static string? Check(params SpanRecord[] spans) => IngestValidator.Check(new SpanBatch(spans), Now).Code;

    [Fact]
    public void A_good_span_passes() => Assert.Null(Check(Span(NowMs - 1000, NowMs)));

    [Fact]
    public void End_before_start_is_invalid() => Assert.Equal(ErrorCodes.InvalidSpan, Check(Span(NowMs, NowMs - 1)));

    [Fact]
    public void More_than_five_minutes_ahead_is_refused()
    {
        Assert.Null(Check(Span(NowMs, NowMs + (long)TimeSpan.FromMinutes(5).TotalMilliseconds)));
        Assert.Equal(ErrorCodes.FutureTimestamp, Check(Span(NowMs, NowMs + (long)TimeSpan.FromMinutes(5).TotalMilliseconds + 1)));
    }

    [Fact]
    public void Oversized_strings_are_refused()
    {
        Assert.Equal(ErrorCodes.InvalidSpan, Check(Span(0, 1, app: new string('a', ProtocolConstants.MaxAppLength + 1))));
        Assert.Equal(ErrorCodes.InvalidSpan, Check(Span(0, 1, title: new string('a', ProtocolConstants.MaxTitleLength + 1))));
    }

    [Fact]
    public void Unknown_states_and_non_positive_ids_are_refused()
    {
        Assert.Equal(ErrorCodes.InvalidSpan, Check(Span(0, 1, state: (SpanState)9)));
        Assert.Equal(ErrorCodes.InvalidSpan, Check(Span(0, 1) with { Seq = 0 }));
        Assert.Equal(ErrorCodes.InvalidSpan, Check(Span(0, 1) with { SpanId = -5 }));
    }

    [Fact]
    public void A_context_that_breaks_a_rule_is_refused_and_private_time_carries_none()
    {
        Assert.Null(Check(Span(0, 1) with { Context = SpanContext.Of(("site", "github.com")) }));
        var result = IngestValidator.Check(new SpanBatch([Span(0, 1) with { Context = SpanContext.FromWire([new("Site", "x")]) }]), Now);
        Assert.Equal(ErrorCodes.InvalidSpan, result.Code);
        Assert.Contains("context key 'Site'", result.Text);
        Assert.Equal(ErrorCodes.InvalidSpan, Check(Span(0, 1) with { Context = SpanContext.FromWire([new("tab", new string('x', 257))]) }));
        Assert.Equal(ErrorCodes.InvalidSpan, Check(Span(0, 1, SpanState.Private, app: null, title: null) with { Context = SpanContext.Of(("tab", "secret")) }));
    }

    [Fact]
    public void Private_time_must_not_name_an_app() =>
        Assert.Equal(ErrorCodes.InvalidSpan, Check(Span(0, 1, SpanState.Private, app: "secret", title: null)));

    [Fact]
    public void One_bad_span_refuses_the_whole_batch() =>
        Assert.Equal(ErrorCodes.InvalidSpan, Check(Span(0, 1), Span(5, 4), Span(6, 7)));

    [Fact]
    public void Too_many_spans_are_refused() =>
        Assert.Equal(ErrorCodes.TooManySpans, Check(Enumerable.Repeat(Span(0, 1), ProtocolConstants.MaxSpansPerBatch + 1).ToArray()));

    [Theory]
    [InlineData("has space")]
    [InlineData("")]
    [InlineData("<script>")]
    public void Hello_with_a_bad_agent_id_is_refused(string id) =>
        Assert.Equal(ErrorCodes.InvalidHello, IngestValidator.Check(new Hello(1, id, "1", "h", "os", [], NowMs), Now).Code);

    [Fact]
    public void Hello_with_another_protocol_version_is_refused() =>
        Assert.Equal(ErrorCodes.UnsupportedVersion, IngestValidator.Check(new Hello(2, "a", "1", "h", "os", [], NowMs), Now).Code);

    [Theory]
    [InlineData(0)]
    [InlineData(-10_000_000_000_000_000)]
    [InlineData(long.MinValue)]
    [InlineData(long.MaxValue)]
    public void Hello_from_a_clock_a_day_or_more_away_is_refused(long agentClockMs) =>
        Assert.Equal(ErrorCodes.InvalidHello, IngestValidator.Check(new Hello(1, "a", "1", "h", "os", [], agentClockMs), Now).Code);

    [Fact]
    public void Hello_from_a_clock_hours_away_is_let_in_to_be_corrected() =>
        Assert.Null(IngestValidator.Check(new Hello(1, "a", "1", "h", "os", [], NowMs - 5 * 3_600_000), Now).Code);

    [Fact]
    public void Seqs_must_increase_past_what_the_connection_already_sent()
    {
        var bounds = IngestValidator.Bounds.At(Now, Now.AddDays(-7), afterSeq: 10);
        Assert.Null(IngestValidator.Check(new SpanBatch([Span(NowMs - 2000, NowMs - 1000) with { Seq = 11 }, Span(NowMs - 1000, NowMs) with { Seq = 12 }]), bounds).Code);
        Assert.Equal(ErrorCodes.InvalidSpan, IngestValidator.Check(new SpanBatch([Span(NowMs - 2000, NowMs) with { Seq = 10 }]), bounds).Code);
        Assert.Equal(ErrorCodes.InvalidSpan, IngestValidator.Check(new SpanBatch([Span(NowMs - 2000, NowMs) with { Seq = 12 }, Span(NowMs - 1000, NowMs) with { Seq = 11 }]), bounds).Code);

        // Leading replays are skipped; a batch of nothing but replays is refused.
        var straddling = IngestValidator.WithoutReplays(new SpanBatch([Span(NowMs - 2000, NowMs - 1000) with { Seq = 9 }, Span(NowMs - 1000, NowMs) with { Seq = 11 }]), 10);
        Assert.Equal([11L], straddling.Spans.Select(s => s.Seq));
        Assert.Null(IngestValidator.Check(straddling, bounds).Code);
        var replays = IngestValidator.WithoutReplays(new SpanBatch([Span(NowMs - 2000, NowMs) with { Seq = 9 }, Span(NowMs - 1000, NowMs) with { Seq = 10 }]), 10);
        Assert.Equal(ErrorCodes.InvalidSpan, IngestValidator.Check(replays, bounds).Code);
    }

    [Fact]
    public void A_span_starting_before_the_agent_could_have_recorded_it_is_refused()
    {
        var bounds = IngestValidator.Bounds.At(Now, Now.AddDays(-7), afterSeq: 0);
        var earliest = Now.AddDays(-7).ToUnixTimeMilliseconds();
        Assert.Null(IngestValidator.Check(new SpanBatch([Span(earliest, earliest + 1000)]), bounds).Code);
        Assert.Equal(ErrorCodes.InvalidSpan, IngestValidator.Check(new SpanBatch([Span(earliest - 1, earliest + 1000)]), bounds).Code);
    }
}
