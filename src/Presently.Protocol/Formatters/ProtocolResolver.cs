using MessagePack;
using MessagePack.Formatters;
using MessagePack.Resolvers;

namespace Presently.Protocol.Formatters;

/// <summary>
/// Formatters for the protocol's types, written out by hand. MessagePack 2.5's own resolvers build
/// them at run time with Reflection.Emit, which a NativeAOT agent does not have (and which trimming
/// breaks); these come first, so the dynamic ones are never asked for a protocol type. The bytes are
/// the same as the dynamic resolvers write (tests/…/Protocol/ProtocolFormatterTests.cs checks that).
/// </summary>
public sealed class ProtocolResolver : IFormatterResolver
{
    public static readonly ProtocolResolver Instance = new();

    private ProtocolResolver()
    {
    }

    public IMessagePackFormatter<T>? GetFormatter<T>() => Cache<T>.Formatter;

    private static class Cache<T>
    {
        public static readonly IMessagePackFormatter<T>? Formatter = (IMessagePackFormatter<T>?)Find(typeof(T));
    }

    private static object? Find(Type type) =>
        type == typeof(IMessage) ? new MessageUnionFormatter()
        : type == typeof(Hello) ? new HelloFormatter()
        : type == typeof(Welcome) ? new WelcomeFormatter()
        : type == typeof(AgentPolicy) ? new AgentPolicyFormatter()
        : type == typeof(SpanBatch) ? new SpanBatchFormatter()
        : type == typeof(SpanRecord) ? new SpanRecordFormatter()
        : type == typeof(SpanRecord[]) ? new ArrayFormatter<SpanRecord>()
        : type == typeof(SpanState) ? new SpanStateFormatter()
        : type == typeof(Ack) ? new AckFormatter()
        : type == typeof(ErrorMessage) ? new ErrorMessageFormatter()
        : BuiltinResolver.Instance.GetFormatterDynamic(type);
}
