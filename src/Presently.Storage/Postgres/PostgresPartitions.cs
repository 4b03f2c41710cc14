using System.Collections.Concurrent;
using System.Globalization;
using Npgsql;

namespace Presently.Storage.Postgres;

/// <summary>
/// The monthly partitions of <c>spans</c> (UTC months of span start), created when the first span of a
/// month arrives. Old months are dropped whole by retention.
/// </summary>
internal sealed class PostgresPartitions
{
    // Distinct from the migrator's lock: instances creating the same month queue on it.
    internal const long LockId = 0x5072657350617274;

    private readonly ConcurrentDictionary<(int Year, int Month), bool> _known = new();

    public static (int Year, int Month) MonthOf(long ms)
    {
        var t = DateTimeOffset.FromUnixTimeMilliseconds(ms);
        return (t.Year, t.Month);
    }

    public static string NameOf((int Year, int Month) m) => string.Create(CultureInfo.InvariantCulture, $"spans_y{m.Year:D4}m{m.Month:D2}");

    public static (long From, long To) BoundsOf((int Year, int Month) m)
    {
        var first = new DateTimeOffset(m.Year, m.Month, 1, 0, 0, 0, TimeSpan.Zero);
        return (first.ToUnixTimeMilliseconds(), first.AddMonths(1).ToUnixTimeMilliseconds());
    }

    /// <summary>Creates the months of <paramref name="startsMs"/> that do not exist yet, in the caller's transaction.</summary>
    public async Task EnsureAsync(NpgsqlConnection db, NpgsqlTransaction tx, IEnumerable<long> startsMs, CancellationToken ct)
    {
        var missing = startsMs.Select(MonthOf).Distinct().Where(m => !_known.ContainsKey(m)).ToList();
        if (missing.Count == 0) return;
        await using (var lockCmd = new NpgsqlCommand($"SELECT pg_advisory_xact_lock({LockId})", db, tx)) await lockCmd.ExecuteNonQueryAsync(ct);
        foreach (var m in missing)
        {
            var (from, to) = BoundsOf(m);
            await using var create = new NpgsqlCommand(
                $"CREATE TABLE IF NOT EXISTS {NameOf(m)} PARTITION OF spans FOR VALUES FROM ({from}) TO ({to})", db, tx);
            await create.ExecuteNonQueryAsync(ct);
            _known[m] = true;
        }
    }

    /// <summary>After a transaction that may have created partitions rolled back: ask the database again.</summary>
    public void Forget() => _known.Clear();

    /// <summary>Partitions that exist, by month.</summary>
    public static async Task<IReadOnlyList<(int Year, int Month)>> ListAsync(NpgsqlConnection db, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand("""
            SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
            WHERE i.inhparent = 'spans'::regclass ORDER BY c.relname
            """, db);
        var months = new List<(int, int)>();
        await using var r = await cmd.ExecuteReaderAsync(ct);
        while (await r.ReadAsync(ct))
        {
            var name = r.GetString(0); // spans_yYYYYmMM
            if (name.Length == 14 && int.TryParse(name.AsSpan(7, 4), CultureInfo.InvariantCulture, out var y) && int.TryParse(name.AsSpan(12, 2), CultureInfo.InvariantCulture, out var mo))
                months.Add((y, mo));
        }
        return months;
    }
}
