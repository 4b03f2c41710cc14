using System.Buffers.Binary;
using System.IO.Hashing;
using Presently.Protocol;

namespace Presently.Agent.Journal;

/// <summary>
/// On-disk format of the journal. A segment file starts with <see cref="Magic"/>; then records of
/// <c>[payload length: u32 LE][CRC-32 of payload: u32 LE][payload: MessagePack SpanRecord]</c>.
/// A record is valid only if its length is in bounds, its checksum matches and it decodes; the
/// first invalid record ends what is kept of a segment (a torn write after a power cut).
/// </summary>
internal static class JournalFormat
{
    public static readonly byte[] Magic = "PJL1"u8.ToArray();
    public const int HeaderBytes = 8;
    public const int MaxPayloadBytes = 16 * 1024;

    public static byte[] Encode(SpanRecord record)
    {
        var payload = FrameCodec.EncodeRecord(record);
        var bytes = new byte[HeaderBytes + payload.Length];
        BinaryPrimitives.WriteUInt32LittleEndian(bytes, (uint)payload.Length);
        BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(4), Crc32.HashToUInt32(payload));
        payload.CopyTo(bytes, HeaderBytes);
        return bytes;
    }

    /// <summary>Reads the record at the stream's position; null at a clean end, or with a reason when the bytes are not a valid record.</summary>
    public static (SpanRecord? Record, int Bytes, string? Damage) Read(Stream stream, long limit)
    {
        var remaining = limit - stream.Position;
        if (remaining == 0) return (null, 0, null);
        Span<byte> header = stackalloc byte[HeaderBytes];
        if (remaining < HeaderBytes || stream.ReadAtLeast(header, HeaderBytes, throwOnEndOfStream: false) < HeaderBytes)
            return (null, 0, "record header cut short");
        var length = BinaryPrimitives.ReadUInt32LittleEndian(header);
        var crc = BinaryPrimitives.ReadUInt32LittleEndian(header[4..]);
        if (length == 0 || length > MaxPayloadBytes) return (null, 0, $"record length {length} out of bounds");
        if (remaining - HeaderBytes < length) return (null, 0, "record cut short");
        var payload = new byte[length];
        if (stream.ReadAtLeast(payload, (int)length, throwOnEndOfStream: false) < length) return (null, 0, "record cut short");
        if (Crc32.HashToUInt32(payload) != crc) return (null, 0, "checksum mismatch");
        var record = FrameCodec.DecodeRecord(payload);
        return record is null ? (null, 0, "record does not decode") : (record, HeaderBytes + (int)length, null);
    }
}
