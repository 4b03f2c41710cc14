using System.CommandLine;
using System.Runtime.InteropServices;
using Presently.Agent;
using Presently.Agent.Config;
using Presently.Agent.Sensors;
using Presently.Agent.Sensors.X11;

var configOption = new Option<string?>("--config") { Description = "Config file (default: ~/.config/presently/agent.json)" };
var serverOption = new Option<string?>("--server") { Description = "Server address, e.g. https://presently.example.com or http://127.0.0.1:5080" };
var verboseOption = new Option<bool>("--verbose") { Description = "Log every span change" };

var run = new Command("run", "Watch this desktop and stream what is in front to the server") { configOption, serverOption, verboseOption };
run.SetAction(async (parse, ct) =>
{
    var overrides = new Dictionary<string, string?>
    {
        ["Server"] = parse.GetValue(serverOption),
        ["Verbose"] = parse.GetValue(verboseOption) ? "true" : null,
    };
    try
    {
        var settings = AgentSettingsLoader.Load(parse.GetValue(configOption), overrides);
        var log = new AgentLog(Console.Error, settings.Verbose);
        using var sensor = X11ForegroundSensor.Open();
        // SIGTERM (systemd, kill) stops the agent the way Ctrl+C does: the open span is closed and sent.
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, signal =>
        {
            signal.Cancel = true;
            stop.Cancel();
        });
        await new AgentRunner(settings, sensor, TimeProvider.System, log).RunAsync(stop.Token);
        return 0;
    }
    catch (ConfigException ex)
    {
        Console.Error.WriteLine($"presently-agent: {ex.Message}");
        return 2;
    }
    catch (SensorUnavailableException ex)
    {
        Console.Error.WriteLine($"presently-agent: {ex.Message}");
        return 3;
    }
});

var root = new RootCommand("Presently agent: reports which app is in front to a Presently server.") { run };
var result = root.Parse(args);
if (result.Errors.Count > 0)
{
    // Unrecognised tokens say more than "required command was not provided", so they come first.
    var error = result.Errors.OrderByDescending(e => e.Message.Contains("Unrecognized", StringComparison.Ordinal)).First();
    Console.Error.WriteLine($"presently-agent: {error.Message} (see presently-agent --help)");
    return 2;
}
return await result.InvokeAsync();
