using System.CommandLine;
using System.Globalization;
using Presently.Bench.Reports;

// Figures are compared across runs and machines: print them the same way everywhere.
CultureInfo.CurrentCulture = CultureInfo.DefaultThreadCurrentCulture = CultureInfo.InvariantCulture;

var people = new Option<int>("--people") { Description = "People (one agent each)", DefaultValueFactory = _ => 10 };
var days = new Option<int>("--days") { Description = "Workdays of history (weekends skipped)", DefaultValueFactory = _ => 22 };
var seed = new Option<int>("--seed") { Description = "Generator seed", DefaultValueFactory = _ => 1 };
var runs = new Option<int>("--runs") { Description = "Timed runs per report (the median is the figure)", DefaultValueFactory = _ => 10 };
var keep = new Option<bool>("--keep") { Description = "Keep the data folder (the SQLite file) for inspection" };
var postgres = new Option<string?>("--postgres") { Description = "Store in PostgreSQL at this Npgsql connection string (an empty database) instead of SQLite" };
var root = new RootCommand("Presently reports benchmark: realistic months through the store's ingest, then the hours report over HTTP")
{
    people, days, seed, runs, keep, postgres,
};
root.SetAction(async (parse, ct) =>
{
    var (p, d, r) = (parse.GetValue(people), parse.GetValue(days), parse.GetValue(runs));
    if (p <= 0 || d <= 0 || r <= 0)
    {
        Console.Error.WriteLine("--people, --days and --runs must be positive");
        return 2;
    }
    Console.WriteLine("Presently reports benchmark");
    Console.WriteLine($"command:  dotnet run -c Release --project bench/Presently.Bench.Reports -- {System.Text.RegularExpressions.Regex.Replace(string.Join(' ', args), "Password=[^; ]*", "Password=…")}");
    Console.WriteLine($"date:     {DateTimeOffset.UtcNow:yyyy-MM-dd HH:mm:ss} UTC; {Environment.ProcessorCount} cores, {Environment.OSVersion}, .NET {Environment.Version}");
    var folder = Directory.CreateTempSubdirectory("presently-bench-reports-");
    Console.WriteLine($"folder:   {folder.FullName}{(parse.GetValue(keep) ? " (kept)" : "")}");
    try
    {
        return await ReportsBenchmark.RunAsync(p, d, parse.GetValue(seed), r, folder.FullName, parse.GetValue(postgres));
    }
    finally
    {
        if (!parse.GetValue(keep)) folder.Delete(recursive: true);
    }
});
return await root.Parse(args).InvokeAsync();
