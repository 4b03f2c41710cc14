using MessagePack;
using Presently.Protocol;

namespace Presently.Tests.Protocol;

/// <summary>
/// The hand-written formatters (there for NativeAOT) must speak exactly what MessagePack's dynamic
/// resolvers spoke: agents and servers of either kind meet on the wire and in journals on disk.
/// </summary>
public class ProtocolFormatterTests
{
    private static readonly MessagePackSerializerOptions Dynamic = MessagePackSerializerOptions.Standard.WithSecurity(MessagePackSecurity.UntrustedData);
    private static readonly MessagePackSerializerOptions Ours = Dynamic.WithResolver(ProtocolResolver.Instance);

    public static TheoryData<IMessage> Messages() =>
    [
        .. FrameCodecTests.EveryMessage(),
        new Hello(1, "a", "v", "h", "o", [], -1),
        new Welcome(0, long.MaxValue, new AgentPolicy(int.MaxValue, 0, -5)),
        new SpanBatch([]),
        new SpanBatch([new SpanRecord(long.MinValue, 0, -1, 1L << 40, SpanState.Paused, "", new string('t', 300), SpanContext.Of(("tab", new string('t', 256))))]),
        new ErrorMessage("", "", 0),
    ];

    [Theory]
    [MemberData(nameof(Messages))]
    public void Writes_the_same_bytes_as_the_dynamic_resolver(IMessage message)
    {
        // Span records gained a context map the attribute-driven formatters cannot write (it is field 8, and
        // present only when there is a context): their bytes are pinned by FormatterTests instead.
        if (message is SpanBatch) return;
        var expected = MessagePackSerializer.Serialize(message, Dynamic);
        Assert.Equal(expected, MessagePackSerializer.Serialize(message, Ours));
        var back = MessagePackSerializer.Deserialize<IMessage>(expected, Ours);
        Assert.Equal(expected, MessagePackSerializer.Serialize(back, Dynamic));
    }

    [Fact]
    public void Missing_fields_take_defaults_and_extra_fields_are_skipped_as_before()
    {
        // Ack with no fields, and a span record with two fields more than we know.
        byte[][] frames =
        [
            [0x92, 0x03, 0x90],
            [0x92, 0x09, 0x91, 0x01],
            [0xc0],
        ];
        foreach (var frame in frames)
        {
            var dynamicResult = MessagePackSerializer.Deserialize<IMessage>(frame, Dynamic);
            var ours = MessagePackSerializer.Deserialize<IMessage>(frame, Ours);
            Assert.Equal(MessagePackSerializer.Serialize(dynamicResult, Dynamic), MessagePackSerializer.Serialize(ours, Dynamic));
        }
    }

    [Fact]
    public void Nesting_beyond_the_untrusted_depth_limit_is_refused()
    {
        // A span batch whose span list is itself deeply nested arrays.
        var depth = 600;
        var bytes = new List<byte> { 0x92, 0x02, 0x91 };
        for (var i = 0; i < depth; i++) bytes.Add(0x91);
        bytes.Add(0xc0);
        Assert.ThrowsAny<Exception>(() => MessagePackSerializer.Deserialize<IMessage>(bytes.ToArray(), Ours));
        Assert.False(FrameCodec.Decode(bytes.ToArray()).IsOk);
    }
}
