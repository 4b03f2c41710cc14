using System.Runtime.InteropServices;

namespace Presently.Agent.Platforms.Linux.Sway;

/// <summary>
/// The i3/sway IPC framing: "i3-ipc", payload length (int32), type (int32), payload; integers in
/// the host's byte order (the socket never leaves the machine).
/// </summary>
internal static class I3Ipc
{
    public const int HeaderLength = 14;

    /// <summary>GET_TREE replies grow with the number of windows; no desktop needs more than this.</summary>
    public const int MaxPayload = 4 * 1024 * 1024;

    public const uint Subscribe = 2;
    public const uint GetTree = 4;
    public const uint EventFlag = 0x80000000;
    public const uint WorkspaceEvent = 0x80000000;
    public const uint WindowEvent = 0x80000003;

    public static ReadOnlySpan<byte> Magic => "i3-ipc"u8;

    /// <summary>One request, ready to send.</summary>
    public static byte[] Encode(uint type, ReadOnlySpan<byte> payload)
    {
        var message = new byte[HeaderLength + payload.Length];
        Magic.CopyTo(message);
        var length = payload.Length;
        MemoryMarshal.Write(message.AsSpan(6), in length);
        MemoryMarshal.Write(message.AsSpan(10), in type);
        payload.CopyTo(message.AsSpan(HeaderLength));
        return message;
    }
}

/// <summary>
/// Cuts a byte stream into i3-ipc messages. Bounded: a header with the wrong magic or a length
/// over <see cref="I3Ipc.MaxPayload"/> is refused before anything is allocated for it.
/// </summary>
internal sealed class I3IpcReader
{
    private readonly ReceiveBuffer _buffer = new();

    /// <summary>Space to receive into, sized for the message under way; call <see cref="Advance"/> with what was received.</summary>
    public Memory<byte> FreeSpace() => _buffer.FreeSpace(Math.Clamp(Wanted, 4096, 1024 * 1024));

    public void Advance(int count) => _buffer.Advance(count);

    /// <summary>The next complete message, if one has arrived. The payload is valid until the next <see cref="FreeSpace"/>.</summary>
    public bool TryNext(out uint type, out ReadOnlyMemory<byte> payload)
    {
        type = 0;
        payload = default;
        var held = _buffer.Held;
        var magic = Math.Min(held.Length, I3Ipc.Magic.Length);
        if (!held[..magic].SequenceEqual(I3Ipc.Magic[..magic])) throw new InvalidDataException("a message does not start with \"i3-ipc\"");
        if (held.Length < I3Ipc.HeaderLength) return false;
        var length = PayloadLength(held);
        if (held.Length < I3Ipc.HeaderLength + length) return false;
        type = MemoryMarshal.Read<uint>(held[10..14]);
        payload = _buffer.Peek(I3Ipc.HeaderLength, length);
        _buffer.Consume(I3Ipc.HeaderLength + length);
        return true;
    }

    /// <summary>How many more bytes the message under way needs, so a large one is read in few calls.</summary>
    private int Wanted => _buffer.Count >= I3Ipc.HeaderLength ? I3Ipc.HeaderLength + PayloadLength(_buffer.Held) - _buffer.Count : 0;

    private static int PayloadLength(ReadOnlySpan<byte> header)
    {
        var length = MemoryMarshal.Read<int>(header[6..10]);
        if (length < 0 || length > I3Ipc.MaxPayload)
            throw new InvalidDataException($"a message of {length} bytes (at most {I3Ipc.MaxPayload} accepted)");
        return length;
    }
}
