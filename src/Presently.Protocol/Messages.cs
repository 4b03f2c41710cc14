using MessagePack;

namespace Presently.Protocol;

/// <summary>
/// Every frame on <c>/agent/v1</c> is one of these, encoded as the MessagePack union
/// <c>[type, body]</c>. The type numbers are part of the wire format: never reuse one.
/// See docs/protocol.md.
/// </summary>
[Union(MessageTypes.Hello, typeof(Hello))]
[Union(MessageTypes.Welcome, typeof(Welcome))]
[Union(MessageTypes.SpanBatch, typeof(SpanBatch))]
[Union(MessageTypes.Ack, typeof(Ack))]
[Union(MessageTypes.Error, typeof(ErrorMessage))]
public interface IMessage;

public static class MessageTypes
{
    public const int Hello = 0;
    public const int Welcome = 1;
    public const int SpanBatch = 2;
    public const int Ack = 3;
    public const int Error = 4;

    public static bool IsKnown(int type) => type is >= Hello and <= Error;
}

/// <summary>Agent → server, first frame after the upgrade.</summary>
[MessagePackObject]
public sealed record Hello(
    [property: Key(0)] int ProtocolVersion,
    [property: Key(1)] string AgentId,
    [property: Key(2)] string AgentVersion,
    [property: Key(3)] string Host,
    [property: Key(4)] string Os,
    [property: Key(5)] string[] Capabilities,
    [property: Key(6)] long AgentClockMs) : IMessage;

/// <summary>Server → agent, the answer to <see cref="Hello"/>.</summary>
[MessagePackObject]
public sealed record Welcome(
    [property: Key(0)] long ServerClockMs,
    [property: Key(1)] long HighestStoredSeq,
    [property: Key(2)] AgentPolicy Policy) : IMessage;

/// <summary>What the server asks of the agent; values the agent must not exceed.</summary>
[MessagePackObject]
public sealed record AgentPolicy(
    [property: Key(0)] int MaxFrameBytes,
    [property: Key(1)] int MaxSpansPerBatch,
    [property: Key(2)] int CheckpointIntervalMs);

/// <summary>Agent → server: span records, oldest first, each with its own sequence number.</summary>
[MessagePackObject]
public sealed record SpanBatch([property: Key(0)] SpanRecord[] Spans) : IMessage;

/// <summary>
/// One version of one span. A span (agent, <see cref="SpanId"/>) is sent again with a later
/// <see cref="EndMs"/> while it is open; the server keeps the latest version, so resending is harmless.
/// <see cref="Context"/> is field 8, a map; field 7 was an opaque string no agent filled and is
/// written as nil (read into the <c>text</c> key if a peer sends one). See docs/protocol.md.
/// </summary>
[MessagePackObject]
public sealed record SpanRecord(
    [property: Key(0)] long Seq,
    [property: Key(1)] long SpanId,
    [property: Key(2)] long StartMs,
    [property: Key(3)] long EndMs,
    [property: Key(4)] SpanState State,
    [property: Key(5)] string? App,
    [property: Key(6)] string? Title,
    [property: Key(8)] SpanContext? Context = null);

public enum SpanState : byte
{
    Active = 0,
    Idle = 1,
    Private = 2,
    Paused = 3,
}

/// <summary>Server → agent: every record up to and including <see cref="Seq"/> is durably stored.</summary>
[MessagePackObject]
public sealed record Ack([property: Key(0)] long Seq) : IMessage;

/// <summary>Either side: something was wrong. <see cref="Seq"/> is the highest sequence number of a rejected batch, or 0.</summary>
[MessagePackObject]
public sealed record ErrorMessage(
    [property: Key(0)] string Code,
    [property: Key(1)] string Message,
    [property: Key(2)] long Seq) : IMessage;
