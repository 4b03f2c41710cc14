using System.Globalization;
using Presently.Fuzz;

// Long fuzz runs: dotnet run -c Release --project bench/Presently.Fuzz -- --seconds 300 [--seed 1]
var seconds = 60;
var seed = 1;
for (var i = 0; i + 1 < args.Length; i += 2)
{
    if (args[i] == "--seconds") seconds = int.Parse(args[i + 1], CultureInfo.InvariantCulture);
    else if (args[i] == "--seed") seed = int.Parse(args[i + 1], CultureInfo.InvariantCulture);
    else
    {
        Console.Error.WriteLine("usage: Presently.Fuzz [--seconds N] [--seed N]");
        return 2;
    }
}

var work = Directory.CreateTempSubdirectory("presently-fuzz-").FullName;
var each = TimeSpan.FromSeconds(seconds / 4.0);
Console.WriteLine($"fuzzing {seconds} s in all, seed {seed}, {Environment.ProcessorCount} cores, {System.Runtime.InteropServices.RuntimeInformation.OSDescription}");
var results = new[]
{
    FrameFuzz.Run(seed, each),
    JournalFuzz.Run(seed, each, work),
    ConfigFuzz.Run(seed, each, work),
    IngestFuzz.Run(seed, each, work),
};
Directory.Delete(work, recursive: true);
foreach (var r in results)
{
    Console.WriteLine(r);
    foreach (var f in r.Failures.Take(5)) Console.WriteLine("  " + f);
}
return results.Any(r => r.Failures.Count > 0) ? 1 : 0;
