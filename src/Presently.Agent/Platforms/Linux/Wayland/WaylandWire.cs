using System.Runtime.InteropServices;
using System.Text;

namespace Presently.Agent.Platforms.Linux.Wayland;

/// <summary>
/// The Wayland wire format, as far as an idle watcher needs it: a message is the object id (u32),
/// then size (upper 16 bits, header included) and opcode (lower 16), then arguments as 32-bit
/// words in host byte order; a string is its length including the NUL, the bytes, and padding to 4.
/// </summary>
internal static class WaylandWire
{
    public const int HeaderLength = 8;

    /// <summary>A request to send.</summary>
    public static byte[] Request(uint objectId, ushort opcode, params ReadOnlySpan<WaylandArg> args)
    {
        var size = HeaderLength;
        foreach (var a in args) size += a.Size;
        if (size > ushort.MaxValue) throw new ArgumentException("a Wayland message is at most 65535 bytes");
        var message = new byte[size];
        var span = message.AsSpan();
        Write(span, 0, objectId);
        Write(span, 4, ((uint)size << 16) | opcode);
        var offset = HeaderLength;
        foreach (var a in args) offset = a.WriteTo(span, offset);
        return message;
    }

    public static void Write(Span<byte> to, int offset, uint value) => MemoryMarshal.Write(to[offset..], in value);

    /// <summary>The argument at <paramref name="offset"/> as a u32; moves past it.</summary>
    public static uint ReadUInt(ReadOnlySpan<byte> args, ref int offset)
    {
        if (offset < 0 || args.Length - offset < 4) throw new InvalidDataException("a Wayland event shorter than its arguments");
        var value = MemoryMarshal.Read<uint>(args[offset..]);
        offset += 4;
        return value;
    }

    /// <summary>The string argument at <paramref name="offset"/> (null for a null string); moves past it and its padding.</summary>
    public static string? ReadString(ReadOnlySpan<byte> args, ref int offset)
    {
        var length = ReadUInt(args, ref offset);
        if (length == 0) return null;
        var padded = (length + 3) & ~3u;
        if (padded > (uint)(args.Length - offset) || args[offset + (int)length - 1] != 0)
            throw new InvalidDataException("a Wayland string longer than its event, or without its NUL");
        var text = Encoding.UTF8.GetString(args.Slice(offset, (int)length - 1));
        offset += (int)padded;
        return text;
    }
}

/// <summary>One request argument: a u32 (uint, object, new_id) or a string.</summary>
internal readonly struct WaylandArg
{
    private readonly uint _value;
    private readonly byte[]? _text;

    private WaylandArg(uint value, byte[]? text)
    {
        _value = value;
        _text = text;
    }

    public static WaylandArg UInt(uint value) => new(value, null);

    public static WaylandArg String(string value) => new(0, Encoding.UTF8.GetBytes(value));

    public int Size => _text is null ? 4 : 4 + ((_text.Length + 1 + 3) & ~3);

    public int WriteTo(Span<byte> message, int offset)
    {
        if (_text is null)
        {
            WaylandWire.Write(message, offset, _value);
            return offset + 4;
        }
        WaylandWire.Write(message, offset, (uint)_text.Length + 1);
        _text.CopyTo(message[(offset + 4)..]); // the NUL and padding are the array's zeros
        return offset + Size;
    }
}

/// <summary>Cuts received bytes into Wayland events. Every event is at most 64 KiB by construction; a size below the header or not a multiple of 4 is garbage.</summary>
internal sealed class WaylandEventReader
{
    private readonly ReceiveBuffer _buffer = new();

    public Memory<byte> FreeSpace() => _buffer.FreeSpace(4096);

    public void Advance(int count) => _buffer.Advance(count);

    /// <summary>The next complete event; <paramref name="args"/> is valid until the next <see cref="FreeSpace"/>.</summary>
    public bool TryNext(out uint objectId, out ushort opcode, out ReadOnlyMemory<byte> args)
    {
        objectId = 0;
        opcode = 0;
        args = default;
        var held = _buffer.Held;
        if (held.Length < WaylandWire.HeaderLength) return false;
        var word = MemoryMarshal.Read<uint>(held[4..]);
        var size = (int)(word >> 16);
        if (size < WaylandWire.HeaderLength || size % 4 != 0) throw new InvalidDataException($"a Wayland event of {size} bytes");
        if (held.Length < size) return false;
        objectId = MemoryMarshal.Read<uint>(held);
        opcode = (ushort)(word & 0xffff);
        args = _buffer.Peek(WaylandWire.HeaderLength, size - WaylandWire.HeaderLength);
        _buffer.Consume(size);
        return true;
    }
}
