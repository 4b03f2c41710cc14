using MessagePack;
using MessagePack.Formatters;
using MessagePack.Resolvers;

namespace Presently.Protocol;

/// <summary>
/// The protocol's MessagePack formatters, written out by hand so that encoding needs no code
/// generated at run time: the agent is compiled ahead of time (NativeAOT), where MessagePack's
/// dynamic resolvers cannot run. The bytes are exactly those the attribute-driven formatters wrote
/// (union <c>[type, body]</c>, each body an array by <c>[Key]</c>), so journals and peers from before
/// read the same; <c>FormatterTests</c> pins them.
/// </summary>
internal sealed class ProtocolResolver : IFormatterResolver
{
    public static readonly ProtocolResolver Instance = new();

    public IMessagePackFormatter<T>? GetFormatter<T>() => Cache<T>.Formatter;

    private static class Cache<T>
    {
        public static readonly IMessagePackFormatter<T>? Formatter =
            (IMessagePackFormatter<T>?)Own(typeof(T)) ?? BuiltinResolver.Instance.GetFormatter<T>();
    }

    private static object? Own(Type t) =>
        t == typeof(IMessage) ? new MessageFormatter()
        : t == typeof(Hello) ? new HelloFormatter()
        : t == typeof(Welcome) ? new WelcomeFormatter()
        : t == typeof(AgentPolicy) ? new PolicyFormatter()
        : t == typeof(SpanBatch) ? new BatchFormatter()
        : t == typeof(SpanRecord) ? new RecordFormatter()
        : t == typeof(Ack) ? new AckFormatter()
        : t == typeof(ErrorMessage) ? new ErrorFormatter()
        : null;
}

/// <summary>The union: <c>[type, body]</c>, nil for a null message.</summary>
internal sealed class MessageFormatter : IMessagePackFormatter<IMessage?>
{
    public void Serialize(ref MessagePackWriter writer, IMessage? value, MessagePackSerializerOptions options)
    {
        if (value is null)
        {
            writer.WriteNil();
            return;
        }
        writer.WriteArrayHeader(2);
        switch (value)
        {
            case Hello m: writer.Write(MessageTypes.Hello); Body<Hello>(ref writer, m, options); break;
            case Welcome m: writer.Write(MessageTypes.Welcome); Body<Welcome>(ref writer, m, options); break;
            case SpanBatch m: writer.Write(MessageTypes.SpanBatch); Body<SpanBatch>(ref writer, m, options); break;
            case Ack m: writer.Write(MessageTypes.Ack); Body<Ack>(ref writer, m, options); break;
            case ErrorMessage m: writer.Write(MessageTypes.Error); Body<ErrorMessage>(ref writer, m, options); break;
            default: throw new MessagePackSerializationException($"{value.GetType().Name} is not a protocol message");
        }
    }

    public IMessage? Deserialize(ref MessagePackReader reader, MessagePackSerializerOptions options)
    {
        if (reader.TryReadNil()) return null;
        if (reader.ReadArrayHeader() != 2) throw new MessagePackSerializationException("a message is a two-element array [type, body]");
        options.Security.DepthStep(ref reader);
        try
        {
            return reader.ReadInt32() switch
            {
                MessageTypes.Hello => Read<Hello>(ref reader, options),
                MessageTypes.Welcome => Read<Welcome>(ref reader, options),
                MessageTypes.SpanBatch => Read<SpanBatch>(ref reader, options),
                MessageTypes.Ack => Read<Ack>(ref reader, options),
                MessageTypes.Error => Read<ErrorMessage>(ref reader, options),
                // As the attribute-driven union did: an unknown type's body is skipped and the message is nil
                // (FrameCodec tells unknown types apart before it gets here).
                _ => SkipBody(ref reader),
            };
        }
        finally
        {
            reader.Depth--;
        }
    }

    private static IMessage? SkipBody(ref MessagePackReader reader)
    {
        reader.Skip();
        return null;
    }

    private static void Body<T>(ref MessagePackWriter writer, T value, MessagePackSerializerOptions options) =>
        options.Resolver.GetFormatter<T>()!.Serialize(ref writer, value, options);

    private static T Read<T>(ref MessagePackReader reader, MessagePackSerializerOptions options) =>
        options.Resolver.GetFormatter<T>()!.Deserialize(ref reader, options);
}

/// <summary>
/// An object as an array by key. Reading follows the attribute-driven formatter: nil is null,
/// missing trailing fields take their defaults, fields beyond the known keys are skipped.
/// </summary>
internal abstract class ArrayFormatter<T> : IMessagePackFormatter<T?> where T : class
{
    protected abstract int Fields { get; }

    protected abstract void WriteFields(ref MessagePackWriter writer, T value, MessagePackSerializerOptions options);

    /// <summary>Reads field <paramref name="index"/> into <paramref name="state"/>; false for an unknown index.</summary>
    protected abstract bool ReadField(ref MessagePackReader reader, int index, object?[] state, MessagePackSerializerOptions options);

    protected abstract T Create(object?[] state);

    public void Serialize(ref MessagePackWriter writer, T? value, MessagePackSerializerOptions options)
    {
        if (value is null)
        {
            writer.WriteNil();
            return;
        }
        writer.WriteArrayHeader(Fields);
        WriteFields(ref writer, value, options);
    }

    public T? Deserialize(ref MessagePackReader reader, MessagePackSerializerOptions options)
    {
        if (reader.TryReadNil()) return null;
        options.Security.DepthStep(ref reader);
        try
        {
            var count = reader.ReadArrayHeader();
            var state = new object?[Fields];
            for (var i = 0; i < count; i++)
                if (i >= Fields || !ReadField(ref reader, i, state, options)) reader.Skip();
            return Create(state);
        }
        finally
        {
            reader.Depth--;
        }
    }

    protected static string? ReadString(ref MessagePackReader reader) => reader.ReadString();

    protected static TValue Get<TValue>(object?[] state, int i) => state[i] is TValue v ? v : default!;
}

internal sealed class HelloFormatter : ArrayFormatter<Hello>
{
    protected override int Fields => 7;

    protected override void WriteFields(ref MessagePackWriter writer, Hello v, MessagePackSerializerOptions options)
    {
        writer.Write(v.ProtocolVersion);
        writer.Write(v.AgentId);
        writer.Write(v.AgentVersion);
        writer.Write(v.Host);
        writer.Write(v.Os);
        if (v.Capabilities is null) writer.WriteNil();
        else
        {
            writer.WriteArrayHeader(v.Capabilities.Length);
            foreach (var c in v.Capabilities) writer.Write(c);
        }
        writer.Write(v.AgentClockMs);
    }

    protected override bool ReadField(ref MessagePackReader reader, int index, object?[] state, MessagePackSerializerOptions options)
    {
        switch (index)
        {
            case 0: state[0] = reader.ReadInt32(); return true;
            case 1 or 2 or 3 or 4: state[index] = ReadString(ref reader); return true;
            case 5:
                if (reader.TryReadNil()) return true;
                var caps = new string?[reader.ReadArrayHeader()];
                for (var i = 0; i < caps.Length; i++) caps[i] = ReadString(ref reader);
                state[5] = caps;
                return true;
            case 6: state[6] = reader.ReadInt64(); return true;
            default: return false;
        }
    }

    protected override Hello Create(object?[] s) =>
        new(Get<int>(s, 0), Get<string>(s, 1), Get<string>(s, 2), Get<string>(s, 3), Get<string>(s, 4), Get<string[]>(s, 5), Get<long>(s, 6));
}

internal sealed class WelcomeFormatter : ArrayFormatter<Welcome>
{
    private static readonly PolicyFormatter Policy = new();

    protected override int Fields => 3;

    protected override void WriteFields(ref MessagePackWriter writer, Welcome v, MessagePackSerializerOptions options)
    {
        writer.Write(v.ServerClockMs);
        writer.Write(v.HighestStoredSeq);
        Policy.Serialize(ref writer, v.Policy, options);
    }

    protected override bool ReadField(ref MessagePackReader reader, int index, object?[] state, MessagePackSerializerOptions options)
    {
        switch (index)
        {
            case 0 or 1: state[index] = reader.ReadInt64(); return true;
            case 2: state[2] = Policy.Deserialize(ref reader, options); return true;
            default: return false;
        }
    }

    protected override Welcome Create(object?[] s) => new(Get<long>(s, 0), Get<long>(s, 1), Get<AgentPolicy>(s, 2));
}

internal sealed class PolicyFormatter : ArrayFormatter<AgentPolicy>
{
    protected override int Fields => 3;

    protected override void WriteFields(ref MessagePackWriter writer, AgentPolicy v, MessagePackSerializerOptions options)
    {
        writer.Write(v.MaxFrameBytes);
        writer.Write(v.MaxSpansPerBatch);
        writer.Write(v.CheckpointIntervalMs);
    }

    protected override bool ReadField(ref MessagePackReader reader, int index, object?[] state, MessagePackSerializerOptions options)
    {
        if (index > 2) return false;
        state[index] = reader.ReadInt32();
        return true;
    }

    protected override AgentPolicy Create(object?[] s) => new(Get<int>(s, 0), Get<int>(s, 1), Get<int>(s, 2));
}

internal sealed class BatchFormatter : ArrayFormatter<SpanBatch>
{
    private static readonly RecordFormatter Records = new();

    protected override int Fields => 1;

    protected override void WriteFields(ref MessagePackWriter writer, SpanBatch v, MessagePackSerializerOptions options)
    {
        if (v.Spans is null)
        {
            writer.WriteNil();
            return;
        }
        writer.WriteArrayHeader(v.Spans.Length);
        foreach (var s in v.Spans) Records.Serialize(ref writer, s, options);
    }

    protected override bool ReadField(ref MessagePackReader reader, int index, object?[] state, MessagePackSerializerOptions options)
    {
        if (index != 0) return false;
        if (reader.TryReadNil()) return true;
        var spans = new SpanRecord?[reader.ReadArrayHeader()];
        for (var i = 0; i < spans.Length; i++) spans[i] = Records.Deserialize(ref reader, options);
        state[0] = spans;
        return true;
    }

    protected override SpanBatch Create(object?[] s) => new(Get<SpanRecord[]>(s, 0));
}

/// <summary>The hot path (every record of every batch and journal segment): read field by field, without boxing.</summary>
internal sealed class RecordFormatter : IMessagePackFormatter<SpanRecord?>
{
    public void Serialize(ref MessagePackWriter writer, SpanRecord? v, MessagePackSerializerOptions options)
    {
        if (v is null)
        {
            writer.WriteNil();
            return;
        }
        // Without a context a record is the 8 fields it always was (byte for byte); with one, field 8
        // is added, which servers from before skip.
        writer.WriteArrayHeader(v.Context is null ? 8 : 9);
        writer.Write(v.Seq);
        writer.Write(v.SpanId);
        writer.Write(v.StartMs);
        writer.Write(v.EndMs);
        writer.Write((byte)v.State);
        writer.Write(v.App);
        writer.Write(v.Title);
        writer.WriteNil(); // field 7, the old opaque context string
        if (v.Context is { } context)
        {
            writer.WriteMapHeader(context.Count);
            foreach (var (key, value) in context.Entries)
            {
                writer.Write(key);
                writer.Write(value);
            }
        }
    }

    public SpanRecord? Deserialize(ref MessagePackReader reader, MessagePackSerializerOptions options)
    {
        if (reader.TryReadNil()) return null;
        options.Security.DepthStep(ref reader);
        try
        {
            var count = reader.ReadArrayHeader();
            long seq = 0, spanId = 0, start = 0, end = 0;
            var state = SpanState.Active;
            string? app = null, title = null, legacy = null;
            SpanContext? context = null;
            for (var i = 0; i < count; i++)
            {
                switch (i)
                {
                    case 0: seq = reader.ReadInt64(); break;
                    case 1: spanId = reader.ReadInt64(); break;
                    case 2: start = reader.ReadInt64(); break;
                    case 3: end = reader.ReadInt64(); break;
                    // A byte, as the enum's underlying type: a larger number does not fit and is refused.
                    case 4: state = (SpanState)reader.ReadByte(); break;
                    case 5: app = reader.ReadString(); break;
                    case 6: title = reader.ReadString(); break;
                    case 7: legacy = reader.ReadString(); break;
                    case 8: context = ReadContext(ref reader); break;
                    default: reader.Skip(); break;
                }
            }
            if (context is null && legacy is not null) context = SpanContext.FromWire([new("text", legacy)]);
            return new SpanRecord(seq, spanId, start, end, state, app, title, context);
        }
        finally
        {
            reader.Depth--;
        }
    }

    /// <summary>
    /// The map as sent, nothing dropped or fixed: the server's validator refuses a context that breaks
    /// a rule. Only the count is bounded here (the frame already bounds the bytes), so that a forged
    /// header cannot make the reader allocate for millions of entries.
    /// </summary>
    private static SpanContext? ReadContext(ref MessagePackReader reader)
    {
        if (reader.TryReadNil()) return null;
        var count = reader.ReadMapHeader();
        if (count > ProtocolConstants.MaxFrameBytes / 2) throw new MessagePackSerializationException($"context map of {count} entries");
        var entries = new List<KeyValuePair<string, string>>(Math.Min(count, SpanContext.MaxEntries + 1));
        for (var i = 0; i < count; i++)
        {
            var key = reader.ReadString() ?? throw new MessagePackSerializationException("context key is nil");
            var value = reader.ReadString() ?? throw new MessagePackSerializationException("context value is nil");
            entries.Add(new(key, value));
        }
        return SpanContext.FromWire(entries);
    }
}

internal sealed class AckFormatter : ArrayFormatter<Ack>
{
    protected override int Fields => 1;

    protected override void WriteFields(ref MessagePackWriter writer, Ack v, MessagePackSerializerOptions options) => writer.Write(v.Seq);

    protected override bool ReadField(ref MessagePackReader reader, int index, object?[] state, MessagePackSerializerOptions options)
    {
        if (index != 0) return false;
        state[0] = reader.ReadInt64();
        return true;
    }

    protected override Ack Create(object?[] s) => new(Get<long>(s, 0));
}

internal sealed class ErrorFormatter : ArrayFormatter<ErrorMessage>
{
    protected override int Fields => 3;

    protected override void WriteFields(ref MessagePackWriter writer, ErrorMessage v, MessagePackSerializerOptions options)
    {
        writer.Write(v.Code);
        writer.Write(v.Message);
        writer.Write(v.Seq);
    }

    protected override bool ReadField(ref MessagePackReader reader, int index, object?[] state, MessagePackSerializerOptions options)
    {
        switch (index)
        {
            case 0 or 1: state[index] = ReadString(ref reader); return true;
            case 2: state[2] = reader.ReadInt64(); return true;
            default: return false;
        }
    }

    protected override ErrorMessage Create(object?[] s) => new(Get<string>(s, 0), Get<string>(s, 1), Get<long>(s, 2));
}
