namespace Presently.Agent.Platforms.Linux;

/// <summary>
/// Bytes received from a socket and not yet consumed. Grows only as far as the caller asks (each
/// protocol bounds its messages before asking), and drops a large buffer once it is empty, so one
/// big message does not stay resident.
/// </summary>
internal sealed class ReceiveBuffer
{
    private const int SmallSize = 64 * 1024;
    private byte[] _buffer = new byte[4096];
    private int _start;
    private int _end;

    /// <summary>The bytes held.</summary>
    public ReadOnlySpan<byte> Held => _buffer.AsSpan(_start, _end - _start);

    public int Count => _end - _start;

    /// <summary>Space for at least <paramref name="atLeast"/> more bytes; call <see cref="Advance"/> with what was received.</summary>
    public Memory<byte> FreeSpace(int atLeast)
    {
        if (_start == _end)
        {
            _start = _end = 0;
            if (_buffer.Length > SmallSize) _buffer = new byte[SmallSize];
        }
        if (_buffer.Length - _end < atLeast)
        {
            var needed = _end - _start + atLeast;
            var next = needed <= _buffer.Length ? _buffer : new byte[Math.Max(needed, Math.Min(_buffer.Length * 2, int.MaxValue / 2))];
            Buffer.BlockCopy(_buffer, _start, next, 0, _end - _start);
            _end -= _start;
            _start = 0;
            _buffer = next;
        }
        return _buffer.AsMemory(_end);
    }

    public void Advance(int count) => _end += count;

    /// <summary>The first <paramref name="count"/> bytes held, valid until the next <see cref="FreeSpace"/>.</summary>
    public ReadOnlyMemory<byte> Peek(int offset, int count) => _buffer.AsMemory(_start + offset, count);

    public void Consume(int count) => _start += count;
}
