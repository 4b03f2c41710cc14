using System.CommandLine;
using Presently.Bench.Footprint;

// Agent footprint: dotnet run -c Release --project bench/Presently.Bench.Footprint -- [--agent PATH] [--minutes 10] [--switch-seconds 5]
var agent = new Option<string?>("--agent") { Description = "The agent to measure: a native binary, a presently-agent.dll run with dotnet, or a win-x64 presently-agent.exe run under Wine (default: publish the NativeAOT linux-x64 agent first)" };
var minutes = new Option<double>("--minutes") { Description = "How long to measure, after the warm-up", DefaultValueFactory = _ => 10 };
var switchSeconds = new Option<double>("--switch-seconds") { Description = "Seconds between window switches", DefaultValueFactory = _ => 5 };
var warmupSeconds = new Option<double>("--warmup-seconds") { Description = "Seconds of switching before measuring (start-up is not the steady state)", DefaultValueFactory = _ => 30 };
var agentEnv = new Option<string[]>("--agent-env") { Description = "NAME=VALUE set in the agent's environment (repeatable), e.g. a PRESENTLY_AGENT_ setting or a DOTNET_ runtime knob", AllowMultipleArgumentsPerToken = false };
var root = new RootCommand("Measures the agent's CPU, resident memory and threads under Xvfb while windows switch.") { agent, minutes, switchSeconds, warmupSeconds, agentEnv };
root.SetAction(async (parse, ct) =>
{
    var settings = new FootprintSettings(parse.GetValue(agent), TimeSpan.FromMinutes(parse.GetValue(minutes)),
        TimeSpan.FromSeconds(parse.GetValue(switchSeconds)), TimeSpan.FromSeconds(parse.GetValue(warmupSeconds)),
        parse.GetValue(agentEnv) ?? []);
    if (settings.Measure <= TimeSpan.Zero || settings.Switch <= TimeSpan.Zero || settings.Warmup < TimeSpan.Zero)
    {
        Console.Error.WriteLine("presently-bench-footprint: --minutes and --switch-seconds must be positive, --warmup-seconds not negative");
        return 2;
    }
    return await FootprintBenchmark.RunAsync(settings, ct);
});
return await root.Parse(args).InvokeAsync();
