using MessagePack;
using MessagePack.Formatters;

namespace Presently.Protocol.Formatters;

// Each message is an array indexed by its [Key] numbers, as MessagePack's dynamic object formatter
// writes it. Reading follows that formatter too: nil is null, missing trailing fields keep their
// default, unknown extra fields are skipped, and every nesting level counts against the depth limit
// of MessagePackSecurity.UntrustedData. Fields are plain locals: the server decodes ~100k spans/s.

internal sealed class MessageUnionFormatter : IMessagePackFormatter<IMessage?>
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
            case Hello m: writer.Write(MessageTypes.Hello); Field.Write(ref writer, m, options); break;
            case Welcome m: writer.Write(MessageTypes.Welcome); Field.Write(ref writer, m, options); break;
            case SpanBatch m: writer.Write(MessageTypes.SpanBatch); Field.Write(ref writer, m, options); break;
            case Ack m: writer.Write(MessageTypes.Ack); Field.Write(ref writer, m, options); break;
            case ErrorMessage m: writer.Write(MessageTypes.Error); Field.Write(ref writer, m, options); break;
            default: throw new MessagePackSerializationException($"{value.GetType().Name} is not a protocol message");
        }
    }

    public IMessage? Deserialize(ref MessagePackReader reader, MessagePackSerializerOptions options)
    {
        if (reader.TryReadNil()) return null;
        if (reader.ReadArrayHeader() != 2) throw new InvalidOperationException("Invalid Union data was detected. Type:Presently.Protocol.IMessage");
        options.Security.DepthStep(ref reader);
        IMessage? message;
        switch (reader.ReadInt32())
        {
            case MessageTypes.Hello: message = Field.Read<Hello?>(ref reader, options); break;
            case MessageTypes.Welcome: message = Field.Read<Welcome?>(ref reader, options); break;
            case MessageTypes.SpanBatch: message = Field.Read<SpanBatch?>(ref reader, options); break;
            case MessageTypes.Ack: message = Field.Read<Ack?>(ref reader, options); break;
            case MessageTypes.Error: message = Field.Read<ErrorMessage?>(ref reader, options); break;
            default: reader.Skip(); message = null; break;
        }
        reader.Depth--;
        return message;
    }
}

internal static class Field
{
    public static T Read<T>(ref MessagePackReader reader, MessagePackSerializerOptions options) =>
        options.Resolver.GetFormatterWithVerify<T>().Deserialize(ref reader, options);

    public static void Write<T>(ref MessagePackWriter writer, T value, MessagePackSerializerOptions options) =>
        options.Resolver.GetFormatterWithVerify<T>().Serialize(ref writer, value, options);

    /// <summary>Nil, or the array header of an object (after one step of depth).</summary>
    public static bool TryBegin(ref MessagePackReader reader, MessagePackSerializerOptions options, out int count)
    {
        count = 0;
        if (reader.TryReadNil()) return false;
        options.Security.DepthStep(ref reader);
        count = reader.ReadArrayHeader();
        return true;
    }
}

internal sealed class HelloFormatter : IMessagePackFormatter<Hello?>
{
    public void Serialize(ref MessagePackWriter writer, Hello? value, MessagePackSerializerOptions options)
    {
        if (value is null) { writer.WriteNil(); return; }
        writer.WriteArrayHeader(7);
        writer.Write(value.ProtocolVersion);
        writer.Write(value.AgentId);
        writer.Write(value.AgentVersion);
        writer.Write(value.Host);
        writer.Write(value.Os);
        Field.Write(ref writer, value.Capabilities, options);
        writer.Write(value.AgentClockMs);
    }

    public Hello? Deserialize(ref MessagePackReader reader, MessagePackSerializerOptions options)
    {
        if (!Field.TryBegin(ref reader, options, out var count)) return null;
        int version = 0;
        string? agentId = null, agentVersion = null, host = null, os = null;
        string[]? capabilities = null;
        long clock = 0;
        for (var key = 0; key < count; key++)
        {
            switch (key)
            {
                case 0: version = reader.ReadInt32(); break;
                case 1: agentId = reader.ReadString(); break;
                case 2: agentVersion = reader.ReadString(); break;
                case 3: host = reader.ReadString(); break;
                case 4: os = reader.ReadString(); break;
                case 5: capabilities = Field.Read<string[]?>(ref reader, options); break;
                case 6: clock = reader.ReadInt64(); break;
                default: reader.Skip(); break;
            }
        }
        reader.Depth--;
        // Nil where the type says non-null is caught after decoding, by NullChecks.
        return new Hello(version, agentId!, agentVersion!, host!, os!, capabilities!, clock);
    }
}

internal sealed class WelcomeFormatter : IMessagePackFormatter<Welcome?>
{
    public void Serialize(ref MessagePackWriter writer, Welcome? value, MessagePackSerializerOptions options)
    {
        if (value is null) { writer.WriteNil(); return; }
        writer.WriteArrayHeader(3);
        writer.Write(value.ServerClockMs);
        writer.Write(value.HighestStoredSeq);
        Field.Write(ref writer, value.Policy, options);
    }

    public Welcome? Deserialize(ref MessagePackReader reader, MessagePackSerializerOptions options)
    {
        if (!Field.TryBegin(ref reader, options, out var count)) return null;
        long clock = 0, highest = 0;
        AgentPolicy? policy = null;
        for (var key = 0; key < count; key++)
        {
            switch (key)
            {
                case 0: clock = reader.ReadInt64(); break;
                case 1: highest = reader.ReadInt64(); break;
                case 2: policy = Field.Read<AgentPolicy?>(ref reader, options); break;
                default: reader.Skip(); break;
            }
        }
        reader.Depth--;
        return new Welcome(clock, highest, policy!);
    }
}

internal sealed class AgentPolicyFormatter : IMessagePackFormatter<AgentPolicy?>
{
    public void Serialize(ref MessagePackWriter writer, AgentPolicy? value, MessagePackSerializerOptions options)
    {
        if (value is null) { writer.WriteNil(); return; }
        writer.WriteArrayHeader(3);
        writer.Write(value.MaxFrameBytes);
        writer.Write(value.MaxSpansPerBatch);
        writer.Write(value.CheckpointIntervalMs);
    }

    public AgentPolicy? Deserialize(ref MessagePackReader reader, MessagePackSerializerOptions options)
    {
        if (!Field.TryBegin(ref reader, options, out var count)) return null;
        int maxFrame = 0, maxSpans = 0, checkpoint = 0;
        for (var key = 0; key < count; key++)
        {
            switch (key)
            {
                case 0: maxFrame = reader.ReadInt32(); break;
                case 1: maxSpans = reader.ReadInt32(); break;
                case 2: checkpoint = reader.ReadInt32(); break;
                default: reader.Skip(); break;
            }
        }
        reader.Depth--;
        return new AgentPolicy(maxFrame, maxSpans, checkpoint);
    }
}

internal sealed class SpanBatchFormatter : IMessagePackFormatter<SpanBatch?>
{
    public void Serialize(ref MessagePackWriter writer, SpanBatch? value, MessagePackSerializerOptions options)
    {
        if (value is null) { writer.WriteNil(); return; }
        writer.WriteArrayHeader(1);
        Field.Write(ref writer, value.Spans, options);
    }

    public SpanBatch? Deserialize(ref MessagePackReader reader, MessagePackSerializerOptions options)
    {
        if (!Field.TryBegin(ref reader, options, out var count)) return null;
        SpanRecord[]? spans = null;
        for (var key = 0; key < count; key++)
        {
            if (key == 0) spans = Field.Read<SpanRecord[]?>(ref reader, options);
            else reader.Skip();
        }
        reader.Depth--;
        return new SpanBatch(spans!);
    }
}

internal sealed class SpanRecordFormatter : IMessagePackFormatter<SpanRecord?>
{
    public void Serialize(ref MessagePackWriter writer, SpanRecord? value, MessagePackSerializerOptions options)
    {
        if (value is null) { writer.WriteNil(); return; }
        writer.WriteArrayHeader(8);
        writer.Write(value.Seq);
        writer.Write(value.SpanId);
        writer.Write(value.StartMs);
        writer.Write(value.EndMs);
        writer.Write((byte)value.State);
        writer.Write(value.App);
        writer.Write(value.Title);
        writer.Write(value.Context);
    }

    public SpanRecord? Deserialize(ref MessagePackReader reader, MessagePackSerializerOptions options)
    {
        if (!Field.TryBegin(ref reader, options, out var count)) return null;
        long seq = 0, spanId = 0, start = 0, end = 0;
        var state = default(SpanState);
        string? app = null, title = null, context = null;
        for (var key = 0; key < count; key++)
        {
            switch (key)
            {
                case 0: seq = reader.ReadInt64(); break;
                case 1: spanId = reader.ReadInt64(); break;
                case 2: start = reader.ReadInt64(); break;
                case 3: end = reader.ReadInt64(); break;
                case 4: state = (SpanState)reader.ReadByte(); break;
                case 5: app = reader.ReadString(); break;
                case 6: title = reader.ReadString(); break;
                case 7: context = reader.ReadString(); break;
                default: reader.Skip(); break;
            }
        }
        reader.Depth--;
        return new SpanRecord(seq, spanId, start, end, state, app, title, context);
    }
}

internal sealed class AckFormatter : IMessagePackFormatter<Ack?>
{
    public void Serialize(ref MessagePackWriter writer, Ack? value, MessagePackSerializerOptions options)
    {
        if (value is null) { writer.WriteNil(); return; }
        writer.WriteArrayHeader(1);
        writer.Write(value.Seq);
    }

    public Ack? Deserialize(ref MessagePackReader reader, MessagePackSerializerOptions options)
    {
        if (!Field.TryBegin(ref reader, options, out var count)) return null;
        long seq = 0;
        for (var key = 0; key < count; key++)
        {
            if (key == 0) seq = reader.ReadInt64();
            else reader.Skip();
        }
        reader.Depth--;
        return new Ack(seq);
    }
}

internal sealed class ErrorMessageFormatter : IMessagePackFormatter<ErrorMessage?>
{
    public void Serialize(ref MessagePackWriter writer, ErrorMessage? value, MessagePackSerializerOptions options)
    {
        if (value is null) { writer.WriteNil(); return; }
        writer.WriteArrayHeader(3);
        writer.Write(value.Code);
        writer.Write(value.Message);
        writer.Write(value.Seq);
    }

    public ErrorMessage? Deserialize(ref MessagePackReader reader, MessagePackSerializerOptions options)
    {
        if (!Field.TryBegin(ref reader, options, out var count)) return null;
        string? code = null, message = null;
        long seq = 0;
        for (var key = 0; key < count; key++)
        {
            switch (key)
            {
                case 0: code = reader.ReadString(); break;
                case 1: message = reader.ReadString(); break;
                case 2: seq = reader.ReadInt64(); break;
                default: reader.Skip(); break;
            }
        }
        reader.Depth--;
        return new ErrorMessage(code!, message!, seq);
    }
}

internal sealed class SpanStateFormatter : IMessagePackFormatter<SpanState>
{
    public void Serialize(ref MessagePackWriter writer, SpanState value, MessagePackSerializerOptions options) => writer.Write((byte)value);

    public SpanState Deserialize(ref MessagePackReader reader, MessagePackSerializerOptions options) => (SpanState)reader.ReadByte();
}
