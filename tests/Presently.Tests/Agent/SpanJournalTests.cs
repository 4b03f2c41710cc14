using Presently.Agent;
using Presently.Agent.Journal;
using Presently.Protocol;
using Presently.Tests.Fixtures;

namespace Presently.Tests.Agent;

public sealed class SpanJournalTests : IDisposable
{
    private readonly TempDirectory _dir = new();
    private readonly StringWriter _logText = new();
    private readonly AgentLog _log;

    public SpanJournalTests() => _log = new AgentLog(_logText);

    public void Dispose() => _dir.Dispose();

    private string JournalDir => _dir.File("journal");

    private SpanJournal Open(long maxBytes = JournalOptions.DefaultMaxBytes) => SpanJournal.Open(new JournalOptions(JournalDir, maxBytes), _log);

    internal static SpanRecord R(long seq, string? title = "title") => new(seq, seq, seq * 1000, seq * 1000 + 500, SpanState.Active, "app", title, null);

    private static List<SpanRecord> ReadAll(SpanJournal j, long after = 0)
    {
        var all = new List<SpanRecord>();
        while (j.ReadAfter(after, 7, 60_000) is { Count: > 0 } batch)
        {
            all.AddRange(batch);
            after = batch[^1].Seq;
        }
        return all;
    }

    [Fact]
    public void Records_survive_reopening_in_order()
    {
        using (var j = Open())
        {
            for (var i = 1; i <= 100; i++) j.Append([R(i)]);
        }
        using var reopened = Open();
        Assert.Equal(Enumerable.Range(1, 100).Select(i => (long)i), ReadAll(reopened).Select(r => r.Seq));
        Assert.Equal(100, reopened.LastSeq);
        Assert.Empty(reopened.RecoveryNotes);
    }

    [Fact]
    public void Reads_resume_after_any_seq_and_respect_the_byte_budget()
    {
        using var j = Open();
        for (var i = 1; i <= 50; i++) j.Append([R(i, new string('x', 500))]);
        Assert.Equal(Enumerable.Range(21, 30).Select(i => (long)i), ReadAll(j, after: 20).Select(r => r.Seq));
        var small = j.ReadAfter(0, 100, 2_000);
        Assert.InRange(small.Count, 1, 4);
    }

    [Fact]
    public void Acknowledged_segments_are_deleted_and_the_rest_kept()
    {
        using var j = Open(maxBytes: 1024 * 1024); // 64 KiB segments
        for (var i = 1; i <= 2000; i++) j.Append([R(i, new string('y', 100))]);
        var before = j.SizeBytes;
        j.Acknowledge(1500);
        Assert.True(j.SizeBytes < before / 2, $"{j.SizeBytes} of {before} bytes left");
        Assert.Equal(Enumerable.Range(1501, 500).Select(i => (long)i), ReadAll(j, 1500).Select(r => r.Seq));
        Assert.Equal(1501, j.OldestPending()!.Seq);
        j.Acknowledge(2000);
        Assert.Null(j.OldestPending());
    }

    [Fact]
    public void A_record_cut_in_the_middle_is_dropped_with_everything_before_it_kept()
    {
        using (var j = Open())
        {
            for (var i = 1; i <= 10; i++) j.Append([R(i)]);
        }
        var segment = Directory.GetFiles(JournalDir, "*.pjl").Single();
        var length = new FileInfo(segment).Length;
        using (var f = new FileStream(segment, FileMode.Open)) f.SetLength(length - 7); // a power cut mid-write

        using var recovered = Open();
        Assert.Equal(Enumerable.Range(1, 9).Select(i => (long)i), ReadAll(recovered).Select(r => r.Seq));
        Assert.Contains("kept 9 records", Assert.Single(recovered.RecoveryNotes));
        Assert.Contains("journal recovery", _logText.ToString());
        // Appending after the repair continues cleanly.
        recovered.Append([R(11)]);
        Assert.Equal(11, ReadAll(recovered).Last().Seq);
    }

    [Fact]
    public void A_flipped_bit_fails_the_checksum_and_ends_the_segment_there()
    {
        using (var j = Open())
        {
            for (var i = 1; i <= 10; i++) j.Append([R(i)]);
        }
        var segment = Directory.GetFiles(JournalDir, "*.pjl").Single();
        var bytes = File.ReadAllBytes(segment);
        bytes[bytes.Length / 2] ^= 0x10;
        File.WriteAllBytes(segment, bytes);

        using var recovered = Open();
        var kept = ReadAll(recovered);
        Assert.InRange(kept.Count, 3, 6);
        Assert.Equal(Enumerable.Range(1, kept.Count).Select(i => (long)i), kept.Select(r => r.Seq));
        Assert.Contains("checksum", Assert.Single(recovered.RecoveryNotes));
    }

    [Fact]
    public void When_full_it_keeps_the_newest_and_says_so()
    {
        using var j = Open(maxBytes: 1024 * 1024);
        for (var i = 1; i <= 20_000; i++) j.Append([R(i, new string('z', 200))]);
        Assert.True(j.SizeBytes <= 1024 * 1024);
        Assert.True(j.IsFull);
        var kept = ReadAll(j);
        Assert.Equal(20_000, kept[^1].Seq);
        Assert.Equal(20_000 - j.DroppedRecords, kept.Count);
        Assert.Contains("journal full", _logText.ToString());
    }

    [Fact]
    public void Reading_on_after_everything_was_acknowledged_sees_new_records()
    {
        // The uplink's pattern: read, send, get acked (the segment goes), then more is appended.
        using var j = Open();
        j.Append([R(1)]);
        Assert.Equal(1, Assert.Single(j.ReadAfter(0, 10, 60_000)).Seq);
        j.Acknowledge(1);
        j.Append([R(2)]);
        Assert.Equal(2, Assert.Single(j.ReadAfter(1, 10, 60_000)).Seq);
        j.Acknowledge(2);
        j.Append([R(3), R(4)]);
        Assert.Equal([3L, 4L], j.ReadAfter(2, 10, 60_000).Select(r => r.Seq));
    }

    [Fact]
    public void The_acknowledged_seq_survives_a_restart()
    {
        using (var j = Open())
        {
            for (var i = 1; i <= 5; i++) j.Append([R(i)]);
            j.Acknowledge(3);
        }
        using var reopened = Open();
        Assert.Equal(3, reopened.AckedSeq);
        Assert.Equal(5, reopened.LastSeq);
    }

    [Fact]
    public void Acknowledging_everything_keeps_writing_the_same_segment_and_the_next_one_removes_it()
    {
        // An idle agent appends a checkpoint and gets it acknowledged every few seconds: creating and
        // deleting a segment file (two fsyncs and a directory fsync) each time was most of its disk work.
        using var j = Open(maxBytes: 1024 * 1024); // 64 KiB segments
        for (var i = 1; i <= 20; i++)
        {
            j.Append([R(i)]);
            j.Acknowledge(i);
        }
        var files = Directory.GetFiles(JournalDir, "segment-*.pjl");
        Assert.Equal("segment-00000001.pjl", Path.GetFileName(Assert.Single(files)));
        Assert.Null(j.OldestPending());
        Assert.Empty(ReadAll(j, 20));

        // Filling it starts more segments; once acknowledged, all but the one being written go.
        for (var i = 21; i <= 2000; i++) j.Append([R(i, new string('z', 100))]);
        Assert.Equal(Enumerable.Range(21, 1980).Select(i => (long)i), ReadAll(j, 20).Select(r => r.Seq));
        j.Acknowledge(2000);
        var kept = Assert.Single(Directory.GetFiles(JournalDir, "segment-*.pjl"));
        Assert.NotEqual("segment-00000001.pjl", Path.GetFileName(kept));

        // Records acknowledged in the kept segment are not sent again after a restart.
        j.Append([R(2001)]);
        j.Dispose();
        using var reopened = Open(maxBytes: 1024 * 1024);
        Assert.Equal(2001, reopened.OldestPending()!.Seq);
        Assert.Equal([2001L], ReadAll(reopened, reopened.AckedSeq).Select(r => r.Seq));
    }

    [Fact]
    public void Records_beyond_what_is_kept_in_memory_are_read_back_from_disk()
    {
        using var j = Open();
        for (var i = 1; i <= 3000; i++) j.Append([R(i)]);
        Assert.Equal(Enumerable.Range(1, 3000).Select(i => (long)i), ReadAll(j).Select(r => r.Seq));
        Assert.Equal(Enumerable.Range(2990, 11).Select(i => (long)i), ReadAll(j, 2989).Select(r => r.Seq));
        j.Acknowledge(2500);
        Assert.Equal(2501, j.OldestPending()!.Seq);
        Assert.Equal(Enumerable.Range(2501, 500).Select(i => (long)i), ReadAll(j, 2500).Select(r => r.Seq));
    }
}
