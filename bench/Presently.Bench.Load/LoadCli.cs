using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;

namespace Presently.Bench.Load;

/// <summary>The command line. <c>--help</c> prints and starts nothing; a bad value is one line and exit code 2.</summary>
public static class LoadCli
{
    public static async Task<int> RunAsync(string[] args, TextWriter output, CancellationToken ct = default)
    {
        var agents = Positive("--agents", "Simulated agents, each enrolled with its own credential and holding its own WebSocket", 1000);
        var browsers = NonNegative("--browsers", "Simulated browsers, each signed in as the admin and holding a board socket", 10);
        var seconds = Positive("--seconds", "Length of the measured period, in seconds", 60);
        var warmup = NonNegative("--warmup-seconds", "Load before the measured period, not counted, in seconds", 15);
        var grace = NonNegative("--grace-seconds", "Load after the measured period, so that its last changes can still arrive, in seconds", 5);
        var seed = new Option<int>("--seed") { Description = "Seed of every agent's schedule", DefaultValueFactory = _ => 1 };
        var switchSeconds = PositiveDouble("--switch-seconds", "Mean time between one agent's app or title switches (exponential), in seconds", 10);
        var checkpointSeconds = PositiveDouble("--checkpoint-seconds", "How often an agent re-sends its open span with a later end, in seconds", 5);
        var idlePercent = new Option<double>("--idle-percent") { Description = "Chance, in percent, that a switch goes idle instead (idle lasts 60 s on average, 10 s to 5 min)", DefaultValueFactory = _ => 5 };
        idlePercent.Validators.Add(r => { if (r.GetValueOrDefault<double>() is < 0 or > 100) r.AddError("--idle-percent is from 0 to 100"); });
        var twoComputers = NonNegative("--two-computer-percent", "Share of people, in percent, with two computers (the card shows one: the other's changes may never show)", 0);
        var connectWave = Positive("--connect-wave", "Agents connecting at once", 250);
        var enrollParallel = Positive("--enroll-parallel", "Enrollments at once", 8);
        var noDeflate = new Option<bool>("--no-deflate") { Description = "Agents do not offer permessage-deflate (the real agent does)" };
        var server = new Option<Uri?>("--server") { Description = "Attack this running server (e.g. http://127.0.0.1:5080) instead of starting one; needs --admin-password" };
        server.CustomParser = r =>
        {
            if (Uri.TryCreate(r.Tokens.Single().Value, UriKind.Absolute, out var u) && u.Scheme is "http" or "https" && u.IsLoopback) return u;
            r.AddError("--server must be an http(s) address on this machine (loopback): the simulator sends load nowhere else");
            return null;
        };
        var serverPid = new Option<int?>("--server-pid") { Description = "With --server: its process id, to read its CPU and memory from /proc" };
        var adminName = new Option<string>("--admin") { Description = "With --server: an admin's name", DefaultValueFactory = _ => ServerLauncher.AdminName };
        var adminPassword = new Option<string?>("--admin-password") { Description = "With --server: that admin's password (or PRESENTLY_BENCH_ADMIN_PASSWORD)" };
        var data = new Option<string?>("--data") { Description = "Data folder of the server the simulator starts (kept, and its agents reused by the next run with the same folder); with --server, where enrolled credentials are kept for reuse. Default: a temp folder, deleted" };
        var serverArgs = new Option<string[]>("--server-arg")
        {
            Description = "A setting for the started server, NAME=VALUE, repeatable: e.g. Presently:Storage:Provider=Postgres and \"Presently:Storage:PostgresConnectionString=Host=…\"",
            AllowMultipleArgumentsPerToken = false,
        };
        serverArgs.Validators.Add(r =>
        {
            foreach (var a in r.GetValueOrDefault<string[]>() ?? [])
                if (a.TrimStart('-').IndexOf('=', StringComparison.Ordinal) <= 0) r.AddError($"--server-arg takes NAME=VALUE, not '{a}'");
        });

        var root = new RootCommand("Presently load simulator (issue 12): N agents and M browsers over real sockets against one server; " +
            "prints connections held, spans/s, change-to-browser latency, drops, errors, and the server's CPU and RSS from /proc.")
        {
            agents, browsers, seconds, warmup, grace, seed, switchSeconds, checkpointSeconds, idlePercent, twoComputers, connectWave, enrollParallel,
            noDeflate, server, serverPid, adminName, adminPassword, data, serverArgs,
        };
        root.SetAction(async (parse, token) =>
        {
            var options = new LoadOptions
            {
                Agents = parse.GetValue(agents),
                Browsers = parse.GetValue(browsers),
                Measure = TimeSpan.FromSeconds(parse.GetValue(seconds)),
                Warmup = TimeSpan.FromSeconds(parse.GetValue(warmup)),
                Grace = TimeSpan.FromSeconds(parse.GetValue(grace)),
                Seed = parse.GetValue(seed),
                SwitchMean = TimeSpan.FromSeconds(parse.GetValue(switchSeconds)),
                Checkpoint = TimeSpan.FromSeconds(parse.GetValue(checkpointSeconds)),
                IdleChance = parse.GetValue(idlePercent) / 100,
                TwoComputerPercent = parse.GetValue(twoComputers),
                ConnectWave = parse.GetValue(connectWave),
                EnrollParallelism = parse.GetValue(enrollParallel),
                Deflate = !parse.GetValue(noDeflate),
            };
            var password = parse.GetValue(adminPassword) ?? Environment.GetEnvironmentVariable("PRESENTLY_BENCH_ADMIN_PASSWORD");
            if (parse.GetValue(server) is not null && password is null)
            {
                Console.Error.WriteLine("presently-bench-load: --server needs --admin-password (or PRESENTLY_BENCH_ADMIN_PASSWORD)");
                return 2;
            }
            return await RunAsync(args, options, parse.GetValue(server), parse.GetValue(serverPid), parse.GetValue(adminName)!, password,
                parse.GetValue(data), parse.GetValue(serverArgs) ?? [], output, token);
        });

        var result = root.Parse(args);
        if (result.Errors.Count > 0)
        {
            Console.Error.WriteLine($"presently-bench-load: {result.Errors[0].Message} (see --help)");
            return 2;
        }
        return await result.InvokeAsync(new InvocationConfiguration { Output = output }, ct);
    }

    private static async Task<int> RunAsync(string[] args, LoadOptions options, Uri? serverUri, int? serverPid, string adminName, string? adminPassword,
        string? data, string[] serverArgs, TextWriter o, CancellationToken ct)
    {
        o.WriteLine("Presently load simulator: agents and browsers over real sockets against one server");
        var shown = System.Text.RegularExpressions.Regex.Replace(string.Join(' ', args.Select(Quote)), "(Password=|--admin-password )[^; \"]*", "$1…");
        o.WriteLine($"command:  dotnet run -c Release --project bench/Presently.Bench.Load{(args.Length > 0 ? " -- " + shown : "")}");
        o.WriteLine($"date:     {DateTimeOffset.UtcNow:yyyy-MM-dd HH:mm:ss} UTC");
        o.WriteLine($"machine:  {Machine.Cpu()}; {Machine.Memory()}; {Machine.Os()}");
#if DEBUG
        o.WriteLine("build:    Debug (figures are not representative; use -c Release)");
#endif
        o.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"settings: {options.Agents:N0} agents, {options.Browsers} browsers, {options.Measure.TotalSeconds:0} s measured after {options.Warmup.TotalSeconds:0} s warm-up, seed {options.Seed}, " +
            $"switch every {options.SwitchMean.TotalSeconds:0.##} s on average, checkpoint every {options.Checkpoint.TotalSeconds:0.##} s, idle {options.IdleChance:P0} of switches, " +
            $"{options.TwoComputerPercent} % of people with two computers, deflate {(options.Deflate ? "offered" : "off")}"));

        var ownsFolder = data is null && serverUri is null;
        var folder = data is null ? (serverUri is null ? Directory.CreateTempSubdirectory("presently-bench-load-").FullName : null) : Path.GetFullPath(data);
        ServerLauncher? launched = null;
        try
        {
            if (serverUri is null)
            {
                launched = await ServerLauncher.StartAsync(folder!, serverArgs, o, ct);
                o.WriteLine($"          settings: {string.Join(' ', ServerLauncher.Settings(folder!, serverArgs)).Replace("Password=", "Password=…", StringComparison.Ordinal)}");
            }
            else if (folder is not null)
            {
                Directory.CreateDirectory(folder);
            }
            var target = launched is not null
                ? new LoadTarget(launched.BaseUri, ServerLauncher.AdminName, launched.AdminPassword, launched.Pid, folder)
                : new LoadTarget(serverUri!, adminName, adminPassword!, serverPid, folder);
            var result = await LoadSimulation.RunAsync(target, options, o, ct);
            result.Print(o);
            if (launched is not null && result.ErrorCount > 0) o.WriteLine($"server log (last lines of {launched.LogPath}):\n{ServerLauncher.Tail(launched.LogPath)}");
            return 0;
        }
        finally
        {
            if (launched is not null) await launched.DisposeAsync();
            if (ownsFolder && folder is not null)
            {
                try
                {
                    Directory.Delete(folder, recursive: true);
                }
                catch (IOException)
                {
                }
            }
        }
    }

    private static string Quote(string a) => a.Contains(' ', StringComparison.Ordinal) || a.Contains(';', StringComparison.Ordinal) ? $"\"{a}\"" : a;

    private static Option<int> Positive(string name, string description, int fallback) => Bounded(name, description, fallback, 1);

    private static Option<int> NonNegative(string name, string description, int fallback) => Bounded(name, description, fallback, 0);

    private static Option<int> Bounded(string name, string description, int fallback, int min)
    {
        var option = new Option<int>(name) { Description = description, DefaultValueFactory = _ => fallback };
        option.CustomParser = r =>
        {
            if (int.TryParse(r.Tokens.Single().Value, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n >= min) return n;
            r.AddError($"{name} takes a whole number of at least {min}");
            return 0;
        };
        return option;
    }

    private static Option<double> PositiveDouble(string name, string description, double fallback)
    {
        var option = new Option<double>(name) { Description = description, DefaultValueFactory = _ => fallback };
        option.CustomParser = r =>
        {
            if (double.TryParse(r.Tokens.Single().Value, NumberStyles.Float, CultureInfo.InvariantCulture, out var n) && n > 0 && n < 86_400) return n;
            r.AddError($"{name} takes a positive number of seconds");
            return 0;
        };
        return option;
    }
}
