using System.Globalization;
using Presently.Bench.Replay;

// Figures are compared across runs and machines: print them the same way everywhere.
CultureInfo.CurrentCulture = CultureInfo.DefaultThreadCurrentCulture = CultureInfo.InvariantCulture;

if (BenchArgs.Parse(args) is not { } options)
{
    Console.Error.WriteLine(BenchArgs.Usage);
    return 2;
}

Console.WriteLine("Presently replay benchmark: one agent's journal -> WebSocket -> server -> fresh SQLite (or PostgreSQL) store");
// A connection string's password is not printed.
var shown = System.Text.RegularExpressions.Regex.Replace(string.Join(' ', args), "Password=[^; ]*", "Password=…");
Console.WriteLine($"command:  dotnet run -c Release --project bench/Presently.Bench.Replay{(args.Length > 0 ? " -- " + shown : "")}");
Console.WriteLine($"date:     {DateTimeOffset.UtcNow:yyyy-MM-dd HH:mm:ss} UTC");
foreach (var line in Machine.Describe()) Console.WriteLine(line);
Console.WriteLine($"settings: records {options.Records:N0}, chunk {options.Chunk:N0}, versions per span {options.Versions}, seed {options.Seed}");

var root = Directory.CreateTempSubdirectory("presently-bench-replay-");
Console.WriteLine($"folder:   {root.FullName}{(options.Keep ? " (kept)" : "")}");
try
{
    return await ReplayBenchmark.RunAsync(options, root.FullName);
}
finally
{
    if (!options.Keep) root.Delete(recursive: true);
}
