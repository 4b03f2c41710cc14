using MessagePack;
using Presently.Protocol;

namespace Presently.Tests.Protocol;

public class FrameCodecTests
{
    public static TheoryData<IMessage> EveryMessage() =>
    [
        new Hello(1, "agent-1", "1.2.3", "host", "Linux 6.1", ["x11", "idle"], 1_795_000_000_123),
        new Welcome(1_795_000_000_456, 42, new AgentPolicy(65536, 500, 5000)),
        new SpanBatch([
            new SpanRecord(7, 3, 1_000, 2_000, SpanState.Active, "XTerm", "vim — ~/src ✓", SpanContext.Of((ContextKeys.Command, "vim notes.md"), (ContextKeys.Project, "src ✓"))),
            new SpanRecord(8, 4, 2_000, 2_000, SpanState.Private, null, null, null),
        ]),
        new Ack(99),
        new ErrorMessage(ErrorCodes.InvalidSpan, "span 3 ends before it starts", 8),
    ];

    [Theory]
    [MemberData(nameof(EveryMessage))]
    public void Every_message_survives_a_round_trip(IMessage message)
    {
        var frame = FrameCodec.Encode(message);
        var decoded = FrameCodec.Decode(frame);

        Assert.True(decoded.IsOk, decoded.ErrorText);
        Assert.Equal(message.GetType(), decoded.Message!.GetType());
        // Records compare arrays by reference, so compare the re-encoded bytes instead.
        Assert.Equal(frame, FrameCodec.Encode(decoded.Message));
    }

    [Fact]
    public void Frames_are_the_documented_two_element_union()
    {
        var frame = FrameCodec.Encode(new Ack(5));
        var reader = new MessagePackReader(frame);
        Assert.Equal(2, reader.ReadArrayHeader());
        Assert.Equal(MessageTypes.Ack, reader.ReadInt32());
        Assert.Equal(1, reader.ReadArrayHeader());
        Assert.Equal(5, reader.ReadInt64());
    }

    [Theory]
    [InlineData(new byte[] { 0xc1 })]                    // never-used MessagePack byte
    [InlineData(new byte[] { 0x92, 0x02 })]              // array of 2 with one element
    [InlineData(new byte[] { 0x92, 0xa1, 0x41, 0x90 })]  // type is a string
    [InlineData(new byte[] { 0x93, 0x00, 0x00, 0x00 })]  // array of 3
    [InlineData(new byte[] { 0x81, 0x00, 0x00 })]        // a map
    [InlineData(new byte[] { 0x92, 0x02, 0x91, 0x91, 0x92, 0x01 })] // span record truncated
    [InlineData(new byte[] { })]
    public void Garbage_is_a_malformed_frame(byte[] frame)
    {
        var decoded = FrameCodec.Decode(frame);
        Assert.False(decoded.IsOk);
        Assert.Equal(ErrorCodes.MalformedFrame, decoded.ErrorCode);
    }

    [Fact]
    public void An_unknown_message_type_is_told_apart_from_garbage()
    {
        var decoded = FrameCodec.Decode(new byte[] { 0x92, 0x2a, 0x90 }); // [42, []]
        Assert.Equal(ErrorCodes.UnknownMessageType, decoded.ErrorCode);
    }

    [Fact]
    public void Trailing_bytes_are_refused()
    {
        var frame = FrameCodec.Encode(new Ack(1)).Append((byte)0x00).ToArray();
        Assert.Equal(ErrorCodes.MalformedFrame, FrameCodec.Decode(frame).ErrorCode);
    }

    [Fact]
    public void A_nil_required_field_is_refused_not_passed_on()
    {
        // Hello with nil agent id: [0, [1, nil, "v", "h", "os", [], 0]]
        byte[] frame = [0x92, 0x00, 0x97, 0x01, 0xc0, 0xa1, 0x76, 0xa1, 0x68, 0xa2, 0x6f, 0x73, 0x90, 0x00];
        var decoded = FrameCodec.Decode(frame);
        Assert.Equal(ErrorCodes.MalformedFrame, decoded.ErrorCode);
        Assert.Contains("AgentId", decoded.ErrorText);
    }

    [Fact]
    public void Frames_over_the_limit_are_refused_before_parsing()
    {
        var big = new byte[ProtocolConstants.MaxFrameBytes + 1];
        Assert.Equal(ErrorCodes.FrameTooLarge, FrameCodec.Decode(big).ErrorCode);
    }

    [Fact]
    public void A_full_batch_of_maximal_spans_fits_the_agent_byte_budget()
    {
        var title = new string('é', ProtocolConstants.MaxTitleLength);
        var context = SpanContext.From(Enumerable.Range(0, SpanContext.MaxEntries).Select(k => new KeyValuePair<string, string?>($"key_{k}_padded_to", new string('é', SpanContext.MaxValueLength))));
        Assert.Equal(SpanContext.MaxEntries, context!.Count);
        var spans = Enumerable.Range(1, 4).Select(i => new SpanRecord(i, i, 0, 1, SpanState.Active, new string('a', 256), title, context)).ToArray();
        Assert.True(FrameCodec.Encode(new SpanBatch(spans)).Length < ProtocolConstants.MaxFrameBytes);
    }
}
