using System.Globalization;

namespace Presently.Bench.Replay;

/// <summary>The command line. Deliberately tiny: a benchmark's knobs should be few and printed with its figures.</summary>
public sealed record BenchArgs(int Records, int Chunk, int Versions, int Seed, TimeSpan Timeout, bool Keep, string? Postgres = null)
{
    public const string Usage = """
        usage: presently-bench-replay [--records N] [--chunk N] [--versions 1|2] [--seed N] [--timeout SECONDS] [--keep] [--postgres CONNECTION-STRING]
          --records   span records to journal and replay (default 1000000)
          --chunk     records per journal Append, each one fsynced (default 10000)
          --versions  1: one closed record per span; 2: an open and a closing record per span (default 1)
          --seed      workload seed (default 1)
          --timeout   give up if the replay takes longer (default 900)
          --keep      keep the temp folder (journal, SQLite file) for inspection
          --postgres  store in PostgreSQL (an empty database at this Npgsql connection string) instead of SQLite
        """;

    public static BenchArgs? Parse(string[] args)
    {
        var parsed = new BenchArgs(1_000_000, 10_000, 1, 1, TimeSpan.FromSeconds(900), false);
        for (var i = 0; i < args.Length; i++)
        {
            var option = args[i];
            // Every option but --keep and --postgres takes one positive integer.
            int Next() => i + 1 < args.Length && int.TryParse(args[++i], NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n > 0
                ? n
                : throw new FormatException($"{option} needs a positive integer");
            try
            {
                parsed = option switch
                {
                    "--records" => parsed with { Records = Next() },
                    "--chunk" => parsed with { Chunk = Next() },
                    "--versions" => parsed with { Versions = Next() is var v and (1 or 2) ? v : throw new FormatException("--versions is 1 or 2") },
                    "--seed" => parsed with { Seed = Next() },
                    "--timeout" => parsed with { Timeout = TimeSpan.FromSeconds(Next()) },
                    "--keep" => parsed with { Keep = true },
                    "--postgres" => parsed with { Postgres = i + 1 < args.Length ? args[++i] : throw new FormatException("--postgres needs a connection string") },
                    _ => throw new FormatException($"unknown option {option}"),
                };
            }
            catch (FormatException ex)
            {
                Console.Error.WriteLine(ex.Message);
                return null;
            }
        }
        return parsed;
    }
}
