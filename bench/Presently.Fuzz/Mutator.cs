using Presently.Protocol;
namespace Presently.Fuzz;

/// <summary>Byte-level mutations of valid inputs: the classic AFL-style set, deterministic for a seed.</summary>
public sealed class Mutator(int seed)
{
    private static readonly byte[] Interesting = [0x00, 0x01, 0x7f, 0x80, 0xff, 0xc0, 0xc1, 0xc2, 0xc3, 0xcc, 0xcd, 0xce, 0xcf, 0xd0, 0xd3, 0xd9, 0xda, 0xdb, 0xdc, 0xdd, 0xde, 0xdf, 0x90, 0x9f, 0xa0, 0xbf];

    public Random Random { get; } = new(seed);

    public byte[] Mutate(byte[] input, byte[]? other = null)
    {
        var data = new List<byte>(input);
        var rounds = 1 + Random.Next(4);
        for (var r = 0; r < rounds; r++)
        {
            if (data.Count == 0) data.Add(0);
            var at = Random.Next(data.Count);
            switch (Random.Next(8))
            {
                case 0: data[at] ^= (byte)(1 << Random.Next(8)); break;
                case 1: data[at] = Interesting[Random.Next(Interesting.Length)]; break;
                case 2: data[at] = (byte)Random.Next(256); break;
                case 3: data.RemoveRange(at, Math.Min(data.Count - at, 1 + Random.Next(8))); break;
                case 4: data.InsertRange(at, Enumerable.Range(0, 1 + Random.Next(8)).Select(_ => (byte)Random.Next(256))); break;
                case 5: data.RemoveRange(at, data.Count - at); break; // truncate
                case 6:
                    if (other is { Length: > 0 })
                    {
                        var from = Random.Next(other.Length);
                        data.InsertRange(at, other.Skip(from).Take(1 + Random.Next(32)));
                    }
                    break;
                default:
                    var len = Math.Min(data.Count - at, 1 + Random.Next(16));
                    data.InsertRange(Random.Next(data.Count), data.GetRange(at, len)); // duplicate a chunk
                    break;
            }
        }
        return [.. data];
    }

    /// <param name="wellFormed">false also produces lone surrogates, which UTF-8 cannot carry.</param>
    public string RandomText(int max, bool wellFormed = false)
    {
        var chars = new char[Random.Next(max + 1)];
        for (var i = 0; i < chars.Length; i++)
            chars[i] = Random.Next(10) switch
            {
                0 when !wellFormed => (char)Random.Next(0xD800, 0xE000),
                1 => (char)Random.Next(0x80, 0x800),
                2 => "<>&\"'\0"[Random.Next(6)],
                _ => (char)Random.Next(0x20, 0x7f),
            };
        return new string(chars);
    }

    private static readonly string[] ContextKeyChoices = ["tab", "site", "track", "command", "project", "x_1", "Tab", "", "9a", "a-b", "averyveryverylongkey", "tab"];

    /// <summary>A context as a peer could send it: mostly valid, sometimes too many entries, bad keys, repeated keys, long or empty values.</summary>
    public SpanContext RandomContext()
    {
        var entries = new List<KeyValuePair<string, string>>();
        for (var n = Random.Next(Random.Next(8) == 0 ? 12 : 4); n > 0; n--)
            entries.Add(new(ContextKeyChoices[Random.Next(ContextKeyChoices.Length)], RandomText(Random.Next(16) == 0 ? 300 : 40)));
        return SpanContext.FromWire(entries);
    }
}

/// <summary>
/// What one fuzz target did: how many inputs, how many were accepted, what went wrong, and the
/// most memory one input made the code under test allocate. That figure is counted on the fuzzing
/// thread (<see cref="GC.GetAllocatedBytesForCurrentThread"/>), so tests running beside it in the
/// same process cannot inflate it as they did a process-wide heap size; null where the code under
/// test runs on other threads (the in-process server of the ingest target).
/// </summary>
public sealed record FuzzResult(string Target, long Inputs, long Accepted, IReadOnlyList<string> Failures, long? LargestInputAllocation)
{
    public override string ToString() =>
        $"{Target}: {Inputs} inputs, {Accepted} accepted, {Failures.Count} failures, " +
        (LargestInputAllocation is { } bytes ? $"largest allocation by one input {bytes / 1024} KiB" : "allocation not measured (server threads)");
}
