using System.Buffers;
using MessagePack;

namespace Presently.Protocol;

/// <summary>Turns messages into frames and frames into messages, never throwing on bad input.</summary>
public static class FrameCodec
{
    // Untrusted-data mode bounds nesting depth and uses collision-resistant hashing for maps.
    // Hand-written formatters (no code generated at run time, so the agent can be compiled ahead of time).
    private static readonly MessagePackSerializerOptions Options =
        new MessagePackSerializerOptions(ProtocolResolver.Instance).WithSecurity(MessagePackSecurity.UntrustedData);

    public static byte[] Encode(IMessage message) => Serialize(message);

    public static void Encode(IMessage message, IBufferWriter<byte> writer) => Serialize(writer, message);

    /// <summary>One span record on its own, as the agent's journal stores it.</summary>
    public static byte[] EncodeRecord(SpanRecord record) => Serialize(record);

    /// <summary>A stored span record, or null if the bytes are not exactly one valid record.</summary>
    public static SpanRecord? DecodeRecord(ReadOnlyMemory<byte> bytes)
    {
        try
        {
            var record = Deserialize<SpanRecord>(bytes, out var consumed);
            return consumed == bytes.Length && record is not null && Enum.IsDefined(record.State) ? record : null;
        }
        catch (Exception ex) when (ex is MessagePackSerializationException or OverflowException or EndOfStreamException
                                       or InvalidOperationException or ArgumentException or FormatException
                                       or InsufficientExecutionStackException)
        {
            return null;
        }
    }

    public static DecodeResult Decode(ReadOnlyMemory<byte> frame)
    {
        if (frame.Length > ProtocolConstants.MaxFrameBytes)
            return DecodeResult.Fail(ErrorCodes.FrameTooLarge, $"frame of {frame.Length} bytes exceeds {ProtocolConstants.MaxFrameBytes}");
        if (frame.IsEmpty)
            return DecodeResult.Fail(ErrorCodes.MalformedFrame, "empty frame");

        // Peek at the union header first so that an unknown type is told apart from garbage.
        try
        {
            var reader = new MessagePackReader(frame);
            if (reader.NextMessagePackType != MessagePackType.Array || reader.ReadArrayHeader() != 2)
                return DecodeResult.Fail(ErrorCodes.MalformedFrame, "a frame is a two-element array [type, body]");
            if (reader.NextMessagePackType != MessagePackType.Integer)
                return DecodeResult.Fail(ErrorCodes.MalformedFrame, "message type must be an integer");
            var type = reader.ReadInt32();
            if (!MessageTypes.IsKnown(type))
                return DecodeResult.Fail(ErrorCodes.UnknownMessageType, $"unknown message type {type}");
        }
        catch (MessagePackSerializationException ex)
        {
            return DecodeResult.Fail(ErrorCodes.MalformedFrame, ex.Message);
        }
        catch (OverflowException ex)
        {
            return DecodeResult.Fail(ErrorCodes.MalformedFrame, ex.Message);
        }
        catch (EndOfStreamException)
        {
            return DecodeResult.Fail(ErrorCodes.MalformedFrame, "frame ends early");
        }

        try
        {
            var message = Deserialize<IMessage>(frame, out var consumed);
            if (consumed != frame.Length)
                return DecodeResult.Fail(ErrorCodes.MalformedFrame, "trailing bytes after the message");
            if (message is null)
                return DecodeResult.Fail(ErrorCodes.MalformedFrame, "nil message");
            return NullChecks.FirstMissing(message) is { } missing
                ? DecodeResult.Fail(ErrorCodes.MalformedFrame, $"required field {missing} is nil")
                : DecodeResult.Ok(message);
        }
        catch (Exception ex) when (ex is MessagePackSerializationException or OverflowException or EndOfStreamException
                                       or InvalidOperationException or ArgumentException or FormatException
                                       or InsufficientExecutionStackException)
        {
            return DecodeResult.Fail(ErrorCodes.MalformedFrame, ex.GetBaseException().Message);
        }
    }

    // The formatters are called directly rather than through MessagePackSerializer: its static
    // defaults reference MessagePack's dynamic resolvers, which would otherwise be compiled into the
    // NativeAOT agent (about a megabyte it never runs). Nesting depth is still bounded by
    // Options.Security (the formatters call DepthStep; too deep throws InsufficientExecutionStackException).
    private static byte[] Serialize<T>(T value)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        Serialize(buffer, value);
        return buffer.WrittenSpan.ToArray();
    }

    private static void Serialize<T>(IBufferWriter<byte> output, T value)
    {
        var writer = new MessagePackWriter(output);
        Options.Resolver.GetFormatter<T>()!.Serialize(ref writer, value, Options);
        writer.Flush();
    }

    private static T? Deserialize<T>(ReadOnlyMemory<byte> bytes, out int consumed)
    {
        var reader = new MessagePackReader(bytes);
        var value = Options.Resolver.GetFormatter<T>()!.Deserialize(ref reader, Options);
        consumed = (int)reader.Consumed;
        return value;
    }
}

public readonly record struct DecodeResult(IMessage? Message, string? ErrorCode, string? ErrorText)
{
    public bool IsOk => Message is not null;
    public static DecodeResult Ok(IMessage message) => new(message, null, null);
    public static DecodeResult Fail(string code, string text) => new(null, code, text);
}
