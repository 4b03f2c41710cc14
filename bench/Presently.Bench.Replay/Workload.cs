using Presently.Protocol;

namespace Presently.Bench.Replay;

/// <summary>
/// A reproducible stream of span records shaped like a real agent's: consecutive spans of a few
/// desktop apps with window titles of 20-40 characters, some idle and private time, all in the
/// past (the server refuses records ending more than 5 minutes ahead of its clock).
/// </summary>
public sealed class Workload
{
    private static readonly (string App, string[] Titles)[] Apps =
    [
        ("firefox", ["Inbox ({0}) - Mail - Mozilla Firefox", "Pull request #{0} · GitHub — Firefox", "Sprint board {0} – Jira — Firefox"]),
        ("code", ["SpanJournal.cs:{0} - presently - Code", "Uplink.cs - presently - VS Code {0}"]),
        ("slack", ["Slack | #team-{0} | Presently", "Slack | thread {0} | general"]),
        ("gnome-terminal-server", ["dev@build-{0}: ~/src/presently", "tail -f server-{0}.log — Terminal"]),
        ("thunderbird", ["Re: invoice {0} - Mozilla Thunderbird"]),
        ("libreoffice-writer", ["Quarterly report v{0}.odt - Writer"]),
        ("zoom", ["Zoom Meeting {0} — weekly sync"]),
    ];

    private readonly Random _random;
    private readonly int _versions;
    private long _seq;
    private long _spanId;
    private long _t;
    private SpanRecord? _open;

    /// <param name="versions">1: each span once, closed; 2: once when it opens and once when it closes.</param>
    public Workload(int records, int versions, int seed, DateTimeOffset now)
    {
        _random = new Random(seed);
        _versions = versions;
        // Spans last 1-60 s, so the whole stream fits in records x 60 s; end it an hour before now.
        _t = now.AddHours(-1).ToUnixTimeMilliseconds() - (long)records * 60_000;
        FinalSeq = new long[records + 1];
    }

    /// <summary>The seq of the version the store must keep, indexed by span id (1-based).</summary>
    public long[] FinalSeq { get; }

    public long Spans => _spanId;

    public long LastSeq => _seq;

    /// <summary>The next <paramref name="count"/> records, continuing the stream.</summary>
    public List<SpanRecord> Next(int count)
    {
        var chunk = new List<SpanRecord>(count);
        while (chunk.Count < count)
        {
            if (_open is { } open)
            {
                // Close the span opened before: same id, later seq and end.
                chunk.Add(Close(open));
                _open = null;
                continue;
            }
            var record = NewSpan();
            if (_versions == 2)
            {
                chunk.Add(record with { EndMs = record.StartMs });
                FinalSeq[record.SpanId] = record.Seq;
                _open = record;
            }
            else
            {
                chunk.Add(record);
                FinalSeq[record.SpanId] = record.Seq;
            }
        }
        return chunk;
    }

    private SpanRecord NewSpan()
    {
        var length = _random.Next(1_000, 60_001);
        var start = _t;
        _t += length;
        var spanId = ++_spanId;
        var seq = ++_seq;
        var roll = _random.Next(100);
        // Roughly what a working day looks like: mostly apps, some idle, a little private time.
        if (roll < 5) return new SpanRecord(seq, spanId, start, _t, SpanState.Idle, null, null, null);
        if (roll < 6) return new SpanRecord(seq, spanId, start, _t, SpanState.Private, null, null, null);
        var (app, titles) = Apps[_random.Next(Apps.Length)];
        var title = string.Format(System.Globalization.CultureInfo.InvariantCulture, titles[_random.Next(titles.Length)], _random.Next(1, 1000));
        return new SpanRecord(seq, spanId, start, _t, SpanState.Active, app, title, null);
    }

    private SpanRecord Close(SpanRecord opened)
    {
        var closed = opened with { Seq = ++_seq };
        FinalSeq[closed.SpanId] = closed.Seq;
        return closed;
    }
}
