using Presently.Protocol;
using Presently.Storage.Reports;
using Presently.Storage.Rollups;

namespace Presently.Storage.Ingest;

/// <summary>What a store tells ingest about an agent at the start of its batch.</summary>
/// <param name="MaxEndMs">At least the latest end of any span of the agent.</param>
/// <param name="LatestSpanId">The span starting last (or <see cref="long.MinValue"/> for none), and <paramref name="LatestStartMs"/> its start
/// (<see cref="long.MinValue"/> for none).</param>
/// <param name="PersonId">Whose agent it is; <paramref name="SharesPerson"/>: the person has other agents, so their overlaps are kept.</param>
internal readonly record struct AgentIngestState(long Key, long StoredThrough, long MaxEndMs, long MaxSpanId, long LatestSpanId, long LatestStartMs,
    long PersonId = 0, bool SharesPerson = false);

/// <summary>The stored version of a span: part 0's fields, the last part's end, how many parts.</summary>
internal readonly record struct ExistingSpan(long Seq, long StartMs, long EndMs, SpanState State, string? App, string? Title, string? Context, long Bytes, int Parts);

/// <summary>The reads and writes one store's ingest transaction offers <see cref="SpanIngest"/>.</summary>
internal interface IIngestTarget
{
    /// <summary>
    /// Told once before a group's batches are stored: a store for which each read is a round trip may read
    /// what they will ask for (their agents, the stored versions of their spans, their days' use) at once.
    /// <see cref="LoadAgentAsync"/> and <see cref="FindSpanAsync"/> are then only asked of agents and
    /// spans the batches name (and a span only until this group writes it).
    /// </summary>
    Task ReadAheadAsync(IReadOnlyList<IngestBatch> batches, CancellationToken ct);

    /// <summary>Null when the agent is not active (removed or blocked while its batch waited).</summary>
    Task<AgentIngestState?> LoadAgentAsync(string agentId, CancellationToken ct);

    Task<ExistingSpan?> FindSpanAsync(long agentKey, long spanId, CancellationToken ct);

    /// <summary>The agent's span starting last, looked up in its spans (when its row does not record it).</summary>
    Task<(long SpanId, long StartMs)?> LatestSpanAsync(long agentKey, CancellationToken ct);

    /// <summary>The latest end of the agent's rows (other than <paramref name="spanId"/>'s) starting in (start − MaxRowMs, start].</summary>
    Task<long?> EndReachingAsync(long agentKey, long startMs, long spanId, CancellationToken ct);

    /// <summary>The first start of the agent's non-empty rows (other than <paramref name="spanId"/>'s) in [start, end).</summary>
    Task<long?> FirstStartAsync(long agentKey, long startMs, long endMs, long spanId, CancellationToken ct);

    Task<(long Bytes, long Spans)> DayUseAsync(long agentKey, long day, CancellationToken ct);

    /// <summary>Stores the span as its parts, replacing <paramref name="old"/> (its rows) when given.</summary>
    Task WriteSpanAsync(long agentKey, SpanRecord s, long startMs, long endMs, string? app, string? title, string? context, long bytes, ExistingSpan? old, CancellationToken ct);

    Task SaveDayUseAsync(long agentKey, long day, long bytes, long spans, CancellationToken ct);

    /// <summary>
    /// Records how far the agent got: the highest seq, the latest end and span id, and the span starting
    /// last (null when a new version moved it earlier and which one starts last is not known).
    /// </summary>
    Task RaiseAgentAsync(long agentKey, long highestSeq, long maxEndMs, long maxSpanId, (long SpanId, long StartMs)? latest, CancellationToken ct);

    /// <summary>
    /// The person's active rows (every agent of theirs) overlapping [from, to), cut to it; each with its
    /// span's start (a row's start less its part times <see cref="StoredSpans.MaxRowMs"/>) and, as payload,
    /// an overlap row of its agent, app and context.
    /// </summary>
    Task<IReadOnlyList<DeviceSpan<OverlapRow>>> PersonSpansAsync(long personId, long fromMs, long toMs, CancellationToken ct);

    /// <summary>The person's overlap rows starting in [from, to), in <see cref="DeviceOverlaps.Order"/>.</summary>
    Task<IReadOnlyList<OverlapRow>> OverlapsAsync(long personId, long fromMs, long toMs, CancellationToken ct);

    /// <summary>Replaces the person's overlap rows starting in [from, to) with <paramref name="rows"/>.</summary>
    Task ReplaceOverlapsAsync(long personId, long fromMs, long toMs, IReadOnlyList<OverlapRow> rows, CancellationToken ct);

    /// <summary>
    /// For each person named (null: each person with more than one agent), the period their active
    /// spans and their overlap rows cover.
    /// </summary>
    Task<IReadOnlyList<(long PersonId, long FromMs, long ToMs)>> PeopleRangesAsync(IReadOnlyList<long>? personIds, CancellationToken ct);
}

/// <summary>
/// The rules every stored span obeys, the same in every store (one group commit's worth):
/// <list type="bullet">
/// <item>a record with a seq the agent has already had stored is a replay: it never creates or changes a span;</item>
/// <item>a later version of a span replaces the stored one (the highest seq wins);</item>
/// <item>a zero-length record (an agent announces each span that way) is not stored: it holds no time,
/// and its next version, which does, is;</item>
/// <item>spans of one agent never overlap: a span is clipped to the time no other span of the agent
/// holds, and dropped when nothing is left — so an agent's stored time never exceeds wall-clock time;</item>
/// <item>per agent and UTC day of span start, past <see cref="StoreLimits.DailyQuotaBytes"/> spans keep
/// their time and app (cut to <see cref="OverQuotaAppChars"/> characters) but lose title and context,
/// and past <see cref="StoreLimits.DailySpans"/> new spans are not stored — so a day holds at most
/// the quota plus DailySpans short rows. Either way the batch is acknowledged, so nothing is held back or replayed forever;</item>
/// <item>a span is stored in parts of at most <see cref="StoredSpans.MaxRowMs"/>, and its active time goes
/// into the rollups (a new version's minus the old one's) in the same transaction;</item>
/// <item>where a person's agents are active at once, the time the device in front holds is kept as
/// overlaps of the others (<see cref="DeviceOverlaps"/>) and taken out of their rollups, in the same transaction.</item>
/// </list>
/// </summary>
internal sealed class SpanIngest(IIngestTarget target, StoreLimits limits, RollupDelta rollups)
{
    private const long DayMs = 86_400_000;

    /// <summary>App names past the quota: long enough for any real app's name, short enough to bound the day.</summary>
    public const int OverQuotaAppChars = 32;

    /// <summary>Spans written in this commit, so their next versions need no lookup.</summary>
    private readonly Dictionary<(long Agent, long Span), ExistingSpan> _written = [];

    private sealed class DayUse(long bytes, long spans)
    {
        public long Bytes = bytes;
        public long Spans = spans;
    }

    /// <summary>A group commit's batches, in order: what storing each alone, one after the other, would store.</summary>
    public async Task<CommitOutcome[]> StoreAllAsync(IReadOnlyList<IngestBatch> batches, CancellationToken ct)
    {
        await target.ReadAheadAsync(batches, ct);
        var outcomes = new CommitOutcome[batches.Count];
        for (var i = 0; i < batches.Count; i++) outcomes[i] = await StoreAsync(batches[i], ct);
        return outcomes;
    }

    private async Task<CommitOutcome> StoreAsync(IngestBatch batch, CancellationToken ct)
    {
        if (await target.LoadAgentAsync(batch.AgentId, ct) is not { } agent) return CommitOutcome.AgentGone;
        var key = agent.Key;
        var (maxEnd, maxSpanId, latestId, latestStart) = (agent.MaxEndMs, agent.MaxSpanId, agent.LatestSpanId, agent.LatestStartMs);
        // Not recorded (a version moved the latest span earlier, or a store upgraded from before): look it up once.
        if (maxEnd != 0 && latestId == long.MinValue && await target.LatestSpanAsync(key, ct) is { } latest) (latestId, latestStart) = latest;

        var days = new Dictionary<long, DayUse>();
        var touched = new List<(long From, long To)>();
        var overQuota = false;
        foreach (var s in batch.Spans)
        {
            if (s.Seq <= agent.StoredThrough || s.EndMs <= s.StartMs) continue;
            // The fast paths are exact: no span has an id above maxSpanId, none ends after maxEnd, and
            // none but the latest-starting span reaches past its start.
            var existing = _written.TryGetValue((key, s.SpanId), out var w) ? w
                : s.SpanId > maxSpanId ? null : await target.FindSpanAsync(key, s.SpanId, ct);
            if (existing is { } e && e.Seq >= s.Seq) continue;
            var clipped = s.StartMs >= maxEnd || (s.SpanId == latestId && s.StartMs >= latestStart) ? (s.StartMs, s.EndMs) : await ClipAsync(key, s, ct);
            if (clipped is not { } kept) continue;

            var use = await DayAsync(days, key, Day(kept.Start), ct);
            var oldUse = existing is { } o ? await DayAsync(days, key, Day(o.StartMs), ct) : null;
            if (existing is null && use.Spans >= limits.DailySpans)
            {
                overQuota = true;
                continue;
            }
            var (app, title, context) = (s.App, s.Title, s.Context?.ToJson());
            var bytes = SpanSize.Of(app, title, context);
            var freed = oldUse == use ? existing!.Value.Bytes : 0;
            if (use.Bytes - freed + bytes > limits.DailyQuotaBytes)
            {
                (app, title, context) = (TextCut.Prefix(app, OverQuotaAppChars), null, null);
                bytes = SpanSize.Of(app, null, null);
                overQuota = true;
            }

            await target.WriteSpanAsync(key, s, kept.Start, kept.End, app, title, context, bytes, existing, ct);
            _written[(key, s.SpanId)] = new ExistingSpan(s.Seq, kept.Start, kept.End, s.State, app, title, context, bytes, StoredSpans.PartCount(kept.Start, kept.End));
            if (existing is { State: SpanState.Active } old) rollups.Add(key, old.StartMs, old.EndMs, old.App, old.Title, SpanContext.FromJson(old.Context), -1);
            if (s.State == SpanState.Active) rollups.Add(key, kept.Start, kept.End, app, title, context is null ? null : s.Context, +1);
            if (agent.SharesPerson)
                touched.Add(existing is { } was ? (Math.Min(was.StartMs, kept.Start), Math.Max(was.EndMs, kept.End)) : kept);
            if (oldUse is not null)
            {
                oldUse.Bytes -= existing!.Value.Bytes;
                oldUse.Spans--;
            }
            use.Bytes += bytes;
            use.Spans++;
            maxEnd = Math.Max(maxEnd, kept.End);
            maxSpanId = Math.Max(maxSpanId, s.SpanId);
            if (kept.Start >= latestStart) (latestId, latestStart) = (s.SpanId, kept.Start);
            // Which span starts last is no longer known: no fast path for the rest of this batch, and the store looks it up next time.
            else if (s.SpanId == latestId) (latestId, latestStart) = (long.MinValue, long.MaxValue);
        }

        foreach (var (from, to) in DeviceOverlaps.Merge(touched)) await DeviceOverlaps.RecountAsync(target, agent.PersonId, from, to, rollups, ct);
        foreach (var (day, use) in days) await target.SaveDayUseAsync(key, day, use.Bytes, use.Spans, ct);
        await target.RaiseAgentAsync(key, batch.HighestSeq, maxEnd, maxSpanId, latestId == long.MinValue ? null : (latestId, latestStart), ct);
        return overQuota ? CommitOutcome.StoredOverQuota : CommitOutcome.Stored;
    }

    /// <summary>The agent's use of one day, read once per batch and written back at its end.</summary>
    private async Task<DayUse> DayAsync(Dictionary<long, DayUse> days, long key, long day, CancellationToken ct)
    {
        if (days.TryGetValue(day, out var use)) return use;
        var (bytes, spans) = await target.DayUseAsync(key, day, ct);
        return days[day] = new DayUse(bytes, spans);
    }

    /// <summary>The part of the record's time no other span of the agent holds; null when there is none.</summary>
    private async Task<(long Start, long End)?> ClipAsync(long key, SpanRecord s, CancellationToken ct)
    {
        var start = s.StartMs;
        var end = s.EndMs;
        // A span reaching past start moves it on; parts of one span follow each other, so look again from there.
        while (start < end && await target.EndReachingAsync(key, start, s.SpanId, ct) is { } reach && reach > start) start = reach;
        if (start >= end) return null;
        if (await target.FirstStartAsync(key, start, end, s.SpanId, ct) is { } nextStart) end = nextStart;
        return end > start ? (start, end) : null;
    }

    /// <summary>The UTC day (days since 1970) of an instant: day use is counted by the day a span starts.</summary>
    public static long Day(long ms) => ms >= 0 ? ms / DayMs : (ms - DayMs + 1) / DayMs;
}
