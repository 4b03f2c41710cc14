using System.Globalization;
using Presently.Protocol;

namespace Presently.Agent.Journal;

public sealed record JournalOptions(string Directory, long MaxBytes = JournalOptions.DefaultMaxBytes)
{
    public const long DefaultMaxBytes = 100L * 1024 * 1024;

    /// <summary>Segments are the unit of trimming; small enough that the bound is kept closely.</summary>
    public long SegmentBytes => Math.Clamp(MaxBytes / 16, 64 * 1024, 4 * 1024 * 1024);
}

/// <summary>
/// The agent's write-ahead journal: every span record is appended (and fsynced) before it may be
/// sent, read back in order by the uplink, and deleted only once the server has acknowledged it.
/// Append-only segment files of checksummed records; see <see cref="JournalFormat"/> and docs/agent.md.
/// </summary>
public sealed class SpanJournal : IDisposable
{
    private readonly Lock _lock = new();
    private readonly JournalOptions _options;
    private readonly AgentLog _log;
    private readonly List<Segment> _segments = [];
    private readonly SemaphoreSlim _appended = new(0);
    private FileStream? _writer;
    private Cursor? _cursor;
    private long _ackedSeq;
    private long _lastSeq;
    private int _nextNumber = 1;
    private int _acksSinceWrite;
    // The records appended since _tailAfterSeq, kept in memory until acknowledged so that sending
    // them does not read back (open, lock, read, close) the file just written. Bounded.
    private readonly List<(SpanRecord Record, int Size)> _tail = [];
    private long _tailAfterSeq;

    private const int MaxTailRecords = 1024;

    private const int AcksPerAckedFileWrite = 32;

    private SpanJournal(JournalOptions options, AgentLog log)
    {
        _options = options;
        _log = log;
    }

    public long AckedSeq { get { lock (_lock) return _ackedSeq; } }

    public long LastSeq { get { lock (_lock) return _lastSeq; } }

    public long SizeBytes { get { lock (_lock) return _segments.Sum(s => s.Length); } }

    /// <summary>Records deleted unacknowledged because the journal reached its size bound.</summary>
    public long DroppedRecords { get; private set; }

    public bool IsFull => DroppedRecords > 0;

    /// <summary>What recovery found damaged and dropped at start, for logs and tests.</summary>
    public IReadOnlyList<string> RecoveryNotes { get; private set; } = [];

    public string Directory => _options.Directory;

    /// <summary>Opens the journal, recovering every valid record and cutting off a torn tail.</summary>
    public static SpanJournal Open(JournalOptions options, AgentLog log)
    {
        System.IO.Directory.CreateDirectory(options.Directory);
        var journal = new SpanJournal(options, log);
        journal.Recover();
        return journal;
    }

    /// <summary>Appends records durably: when this returns they survive a crash or power cut.</summary>
    public void Append(IReadOnlyList<SpanRecord> records)
    {
        if (records.Count == 0) return;
        lock (_lock)
        {
            var buffer = new MemoryStream();
            foreach (var r in records)
            {
                if (r.Seq <= _lastSeq) throw new ArgumentException($"seq {r.Seq} is not after {_lastSeq}", nameof(records));
                var encoded = JournalFormat.Encode(r);
                buffer.Write(encoded);
                _tail.Add((r, encoded.Length));
                _lastSeq = r.Seq;
            }
            var segment = ActiveSegment(buffer.Length);
            _writer!.Write(buffer.GetBuffer(), 0, (int)buffer.Length);
            _writer.Flush(flushToDisk: true);
            segment.Length += buffer.Length;
            segment.Records += records.Count;
            segment.FirstSeq = segment.FirstSeq == 0 ? records[0].Seq : segment.FirstSeq;
            segment.LastSeq = _lastSeq;
            EnforceBound();
            if (_tail.Count > MaxTailRecords) TrimTail(_tail[_tail.Count - MaxTailRecords - 1].Record.Seq);
        }
        if (_appended.CurrentCount == 0) _appended.Release();
    }

    /// <summary>The oldest records after <paramref name="afterSeq"/>, within a count and an encoded-size budget.</summary>
    public List<SpanRecord> ReadAfter(long afterSeq, int maxCount, int maxBytes)
    {
        var batch = new List<SpanRecord>();
        lock (_lock)
        {
            var bytes = 0;
            // Everything after afterSeq is still in memory (the usual case: what was just appended).
            if (afterSeq >= _tailAfterSeq)
            {
                foreach (var (record, size) in _tail)
                {
                    if (record.Seq <= afterSeq) continue;
                    if (batch.Count >= maxCount || (batch.Count > 0 && bytes + size > maxBytes)) break;
                    bytes += size;
                    batch.Add(record);
                }
                return batch;
            }
            // Continue where the last read stopped when possible; segment numbers are never reused.
            var start = _cursor is { } c && c.LastSeq == afterSeq && _segments.Any(s => s.Number == c.Segment)
                ? c
                : _segments.FirstOrDefault(s => s.LastSeq > afterSeq) is { } first ? new Cursor(first.Number, JournalFormat.HeaderBytes, afterSeq) : null;
            if (start is null) return batch;

            var cursor = start;
            foreach (var segment in _segments.Where(s => s.Number >= start.Segment))
            {
                if (segment.LastSeq <= afterSeq) continue;
                using var stream = new FileStream(segment.Path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
                stream.Position = segment.Number == start.Segment ? start.Offset : JournalFormat.HeaderBytes;
                while (batch.Count < maxCount)
                {
                    var position = stream.Position;
                    var (record, size, _) = JournalFormat.Read(stream, segment.Length);
                    if (record is null) break;
                    if (record.Seq <= afterSeq) continue;
                    if (batch.Count > 0 && bytes + size > maxBytes)
                    {
                        stream.Position = position;
                        break;
                    }
                    bytes += size;
                    batch.Add(record);
                    cursor = new Cursor(segment.Number, stream.Position, record.Seq);
                }
                if (batch.Count >= maxCount || (batch.Count > 0 && stream.Position < segment.Length)) break;
            }
            _cursor = cursor;
        }
        return batch;
    }

    public SpanRecord? OldestPending()
    {
        var acked = AckedSeq;
        return acked >= LastSeq ? null : ReadAfter(acked, 1, int.MaxValue).FirstOrDefault();
    }

    /// <summary>The server has durably stored everything through <paramref name="seq"/>: delete what is no longer needed.</summary>
    public void Acknowledge(long seq)
    {
        lock (_lock)
        {
            if (seq <= _ackedSeq) return;
            _ackedSeq = seq;
            TrimTail(seq);
            // The segment being written stays even when all of it is acknowledged: deleting and
            // creating a file (with two fsyncs) on every acknowledgement was most of an idle agent's
            // disk work. It goes when the next segment begins (see ActiveSegment).
            var removed = false;
            while (_segments.Count > 0 && _segments[0].LastSeq <= seq && _segments[0].Records > 0
                   && !(ReferenceEquals(_segments[0], _segments[^1]) && _writer is not null))
            {
                File.Delete(_segments[0].Path);
                _segments.RemoveAt(0);
                removed = true;
            }
            // The acked file only spares re-reading acknowledged records after a restart (the server's
            // Welcome says what it holds, and replays are ignored), so it is not rewritten on every ack.
            if (removed || ++_acksSinceWrite >= AcksPerAckedFileWrite) WriteAckedFile();
        }
    }

    /// <summary>Returns when something was appended since the last call returned (a signal is never lost: it is a count).</summary>
    public Task WaitForAppendAsync(CancellationToken ct) => _appended.WaitAsync(ct);

    public void Dispose()
    {
        lock (_lock)
        {
            if (_acksSinceWrite > 0) TryWriteAckedFile();
            _writer?.Dispose();
            _writer = null;
        }
    }

    private Segment ActiveSegment(long incoming)
    {
        var last = _segments.Count > 0 ? _segments[^1] : null;
        if (last is not null && _writer is not null && last.Length + incoming <= _options.SegmentBytes) return last;

        _writer?.Dispose();
        _writer = null;
        if (last is not null && last.Records > 0 && last.LastSeq <= _ackedSeq)
        {
            File.Delete(last.Path);
            _segments.Remove(last);
        }
        var number = _nextNumber++;
        var path = Path.Combine(_options.Directory, SegmentName(number));
        _writer = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.Read | FileShare.Delete);
        _writer.Write(JournalFormat.Magic);
        _writer.Write(new byte[JournalFormat.HeaderBytes - JournalFormat.Magic.Length]);
        _writer.Flush(flushToDisk: true);
        Interop.Linux.LibC.FsyncDirectory(_options.Directory);
        var segment = new Segment(number, path) { Length = JournalFormat.HeaderBytes };
        _segments.Add(segment);
        return segment;
    }

    private void EnforceBound()
    {
        var total = _segments.Sum(s => s.Length);
        while (total > _options.MaxBytes && _segments.Count > 1)
        {
            var oldest = _segments[0];
            var unacked = oldest.LastSeq > _ackedSeq ? oldest.Records : 0;
            File.Delete(oldest.Path);
            _segments.RemoveAt(0);
            total -= oldest.Length;
            if (unacked == 0) continue;
            TrimTail(oldest.LastSeq);
            DroppedRecords += unacked;
            _log.Warn($"journal full ({_options.MaxBytes / (1024 * 1024)} MB): dropped {unacked} of the oldest unsent records, {DroppedRecords} in all; raise JournalMaxBytes or reconnect the agent");
        }
    }

    private void Recover()
    {
        var notes = new List<string>();
        _ackedSeq = ReadAckedFile();
        var magic = new byte[JournalFormat.HeaderBytes];
        var files = System.IO.Directory.GetFiles(_options.Directory, "segment-*.pjl")
            .Select(p => (Path: p, Number: ParseNumber(p)))
            .Where(f => f.Number > 0)
            .OrderBy(f => f.Number)
            .ToList();
        _nextNumber = files.Count == 0 ? 1 : files[^1].Number + 1;
        foreach (var (path, number) in files)
        {
            var segment = new Segment(number, path);
            string? damage = null;
            long fileLength;
            using (var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read))
            {
                fileLength = stream.Length;
                if (stream.ReadAtLeast(magic, magic.Length, throwOnEndOfStream: false) < magic.Length || !magic.AsSpan(0, 4).SequenceEqual(JournalFormat.Magic))
                {
                    notes.Add($"{Path.GetFileName(path)}: not a journal segment ({fileLength} bytes); removed");
                    stream.Dispose();
                    File.Delete(path);
                    continue;
                }
                segment.Length = JournalFormat.HeaderBytes;
                while (true)
                {
                    var (record, size, problem) = JournalFormat.Read(stream, fileLength);
                    if (record is null)
                    {
                        damage = problem;
                        break;
                    }
                    if (record.Seq <= _lastSeq)
                    {
                        damage = $"seq {record.Seq} not after {_lastSeq}";
                        break;
                    }
                    segment.FirstSeq = segment.FirstSeq == 0 ? record.Seq : segment.FirstSeq;
                    segment.LastSeq = _lastSeq = record.Seq;
                    segment.Records++;
                    segment.Length += size;
                }
            }
            if (damage is not null)
            {
                // Everything from the first bad record on is unreadable: keep what precedes it.
                notes.Add($"{Path.GetFileName(path)}: {damage} at byte {segment.Length}; dropped {fileLength - segment.Length} bytes, kept {segment.Records} records");
                using var truncate = new FileStream(path, FileMode.Open, FileAccess.Write, FileShare.None);
                truncate.SetLength(segment.Length);
                truncate.Flush(flushToDisk: true);
            }
            if (segment.Records == 0 || segment.LastSeq <= _ackedSeq)
            {
                File.Delete(path);
                continue;
            }
            _segments.Add(segment);
        }
        _lastSeq = Math.Max(_lastSeq, _ackedSeq);
        _tailAfterSeq = _lastSeq;
        RecoveryNotes = notes;
        foreach (var note in notes) _log.Warn("journal recovery: " + note);
    }

    private long ReadAckedFile()
    {
        var path = Path.Combine(_options.Directory, "acked");
        try
        {
            var text = File.Exists(path) ? File.ReadAllText(path).Trim() : "";
            return text.Length <= 20 && long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var seq) ? seq : 0;
        }
        catch (IOException)
        {
            return 0;
        }
    }

    /// <summary>Forgets in-memory records through <paramref name="seq"/>; they are read from disk if wanted again.</summary>
    private void TrimTail(long seq)
    {
        var n = 0;
        while (n < _tail.Count && _tail[n].Record.Seq <= seq) n++;
        if (n == 0) return;
        _tailAfterSeq = Math.Max(_tailAfterSeq, _tail[n - 1].Record.Seq);
        _tail.RemoveRange(0, n);
    }

    private void TryWriteAckedFile()
    {
        try
        {
            WriteAckedFile();
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            _log.Warn($"cannot save the acknowledged sequence number: {ex.Message}");
        }
    }

    private void WriteAckedFile()
    {
        _acksSinceWrite = 0;
        var path = Path.Combine(_options.Directory, "acked");
        var temp = path + ".tmp";
        File.WriteAllText(temp, _ackedSeq.ToString(CultureInfo.InvariantCulture));
        File.Move(temp, path, overwrite: true);
    }

    private static string SegmentName(int number) => $"segment-{number:D8}.pjl";

    private static int ParseNumber(string path)
    {
        var name = Path.GetFileNameWithoutExtension(path);
        return name.Length == 16 && int.TryParse(name.AsSpan(8), NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : 0;
    }

    private sealed class Segment(int number, string path)
    {
        public int Number { get; } = number;
        public string Path { get; } = path;
        public long FirstSeq { get; set; }
        public long LastSeq { get; set; }
        public long Length { get; set; }
        public int Records { get; set; }
    }

    private sealed record Cursor(int Segment, long Offset, long LastSeq);
}
