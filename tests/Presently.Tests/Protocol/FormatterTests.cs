using Presently.Protocol;

namespace Presently.Tests.Protocol;

/// <summary>
/// The hand-written formatters write exactly the bytes the attribute-driven MessagePack formatters
/// wrote before them (captured from that code), so journals on disk and older peers read the same.
/// </summary>
public sealed class FormatterTests
{
    public static TheoryData<IMessage, string> Golden() => new()
    {
        { new Hello(1, "agent-1", "0.1.0", "host", "Linux 6", ["x11", "idle"], 1764500000123),
            "92009701A76167656E742D31A5302E312E30A4686F7374A74C696E7578203692A3783131A469646C65CF0000019AD4654D7B" },
        { new Welcome(1764500000999, 42, new AgentPolicy(65536, 500, 5000)), "920193CF0000019AD46550E72A93CE00010000CD01F4CD1388" },
        { new SpanBatch([new SpanRecord(7, 3, 1000, 2000, SpanState.Idle, null, null, null), new SpanRecord(8, 4, 2000, 3500, SpanState.Active, "Firefox", "Tab – ünïcode", SpanContext.Of(("site", "a.b")))]),
            // The record with a context has a ninth field, the map {"site": "a.b"}; field 7 is nil.
            "92029192980703CD03E8CD07D001C0C0C0990804CD07D0CD0DAC00A746697265666F78B154616220E2809320C3BC6EC3AF636F6465C081A473697465A3612E62" },
        { new Ack(long.MaxValue), "920391CF7FFFFFFFFFFFFFFF" },
        { new ErrorMessage("invalid_span", "bad", -1), "920493AC696E76616C69645F7370616EA3626164FF" },
    };

    [Theory]
    [MemberData(nameof(Golden))]
    public void Messages_encode_to_the_bytes_of_before_and_decode_back(IMessage message, string hex)
    {
        Assert.Equal(hex, Convert.ToHexString(FrameCodec.Encode(message)));
        var decoded = FrameCodec.Decode(Convert.FromHexString(hex));
        Assert.True(decoded.IsOk, decoded.ErrorText);
        Assert.Equal(FrameCodec.Encode(message), FrameCodec.Encode(decoded.Message!));
    }

    [Fact]
    public void A_journal_record_of_before_reads_the_same()
    {
        var record = new SpanRecord(9, 9, -5, 0, SpanState.Paused, null, null, null);
        Assert.Equal("980909FB0003C0C0C0", Convert.ToHexString(FrameCodec.EncodeRecord(record)));
        Assert.Equal(record, FrameCodec.DecodeRecord(Convert.FromHexString("980909FB0003C0C0C0")));
    }

    [Fact]
    public void Extra_fields_are_skipped_and_missing_ones_take_their_defaults()
    {
        // [2, [[7, 3, 1000, 2000, 1, nil, nil, nil, nil, "extra"]]] and an Ack with no field at all: [3, []].
        var longer = FrameCodec.Decode(Convert.FromHexString("920291919A0703CD03E8CD07D001C0C0C0C0A56578747261"));
        Assert.True(longer.IsOk, longer.ErrorText);
        Assert.Equal(new SpanRecord(7, 3, 1000, 2000, SpanState.Idle, null, null, null), Assert.Single(Assert.IsType<SpanBatch>(longer.Message).Spans));
        Assert.Equal(new Ack(0), FrameCodec.Decode(Convert.FromHexString("920390")).Message);
    }

    [Fact]
    public void A_context_string_of_before_reads_as_the_text_key()
    {
        // [2, [[8, 4, 2000, 3500, 0, "Firefox", nil, "ctx"]]]: field 7 as the first protocol version defined it.
        var old = FrameCodec.Decode(Convert.FromHexString("92029191980804CD07D0CD0DAC00A746697265666F78C0A3637478"));
        Assert.True(old.IsOk, old.ErrorText);
        Assert.Equal(SpanContext.Of(("text", "ctx")), Assert.Single(Assert.IsType<SpanBatch>(old.Message).Spans).Context);
    }

    [Fact]
    public void A_context_map_is_read_as_sent_for_the_validator_to_judge()
    {
        // {"Tab": "x", "tab": ""}: a bad key and an empty value reach the validator unchanged.
        var record = FrameCodec.DecodeRecord(Convert.FromHexString("990101000000C0C0C082A3546162A178A3746162A0"));
        Assert.Equal(2, record!.Context!.Count);
        Assert.NotNull(record.Context.Validate());
        // A map header claiming four billion entries is refused before anything is allocated for it.
        Assert.Null(FrameCodec.DecodeRecord(Convert.FromHexString("990101000000C0C0C0DFFFFFFFFF")));
    }

    [Fact]
    public void A_state_beyond_a_byte_is_a_malformed_frame() =>
        // [2, [[1, 1, 0, 0, 256, nil, nil, nil]]]
        Assert.Equal(ErrorCodes.MalformedFrame, FrameCodec.Decode(Convert.FromHexString("920291919801010000CD0100C0C0C0")).ErrorCode);
}
