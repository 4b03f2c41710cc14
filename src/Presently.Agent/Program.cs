using System.CommandLine;
using Presently.Agent;
using Presently.Agent.Config;
using Presently.Agent.Control;

var configOption = new Option<string?>("--config") { Description = "Config file (default: ~/.config/presently/agent.json)" };
var serverOption = new Option<string?>("--server") { Description = "Server address, e.g. https://presently.example.com or http://127.0.0.1:5080" };
var verboseOption = new Option<bool>("--verbose") { Description = "Log every span change" };
var forOption = new Option<string?>("--for") { Description = "How long, e.g. 30m, 2h, 1h30m (default: until `resume`)" };
var jsonOption = new Option<bool>("--json") { Description = "Print the status as JSON" };
var codeOption = new Option<string>("--code") { Description = "The one-time enrollment code from the server's admin", Required = true };
var enrollServerOption = new Option<string>("--server") { Description = "Server address, e.g. https://presently.example.com", Required = true };

var run = new Command("run", "Watch this desktop and stream what is in front to the server") { configOption, serverOption, verboseOption };
run.SetAction((parse, ct) => Guard(() => Load(parse)) is { } settings ? Commands.RunAsync(settings, ct) : Task.FromResult(2));

var pause = new Command("pause", "Stop tracking (recorded as 'paused', with no app or title) until resumed or for a while") { configOption, forOption };
pause.SetAction(parse => Guard<int?>(() => Commands.Pause(Load(parse), parse.GetValue(forOption))) ?? 2);

var resume = new Command("resume", "Resume tracking after a pause") { configOption };
resume.SetAction(parse => Guard<int?>(() => Commands.Resume(Load(parse))) ?? 2);

var status = new Command("status", "Show connection, journal, sensor and pause state of the agent on this computer") { configOption, jsonOption };
status.SetAction(parse => Guard<int?>(() => Commands.Status(Load(parse), parse.GetValue(jsonOption))) ?? 2);

var enroll = new Command("enroll", "Exchange a one-time code for this computer's own credential (kept readable only by you)") { configOption, enrollServerOption, codeOption };
enroll.SetAction((parse, ct) => Guard(() => Load(parse)) is { } settings
    ? Commands.EnrollAsync(settings, parse.GetValue(enrollServerOption)!, parse.GetValue(codeOption)!, ct)
    : Task.FromResult(2));

var install = Presently.Agent.Install.InstallCommands.CreateInstall(configOption, parse => Guard(() => Load(parse)));
var uninstall = Presently.Agent.Install.InstallCommands.CreateUninstall(configOption, parse => Guard(() => Load(parse)));

var root = new RootCommand("Presently agent: reports which app is in front to a Presently server.") { run, enroll, pause, resume, status, install, uninstall };
var result = root.Parse(args);
if (result.Errors.Count > 0)
{
    // Unrecognised tokens say more than "required command was not provided", so they come first.
    var error = result.Errors.OrderByDescending(e => e.Message.Contains("Unrecognized", StringComparison.Ordinal)).First();
    Console.Error.WriteLine($"presently-agent: {error.Message} (see presently-agent --help)");
    return 2;
}
// The run command handles SIGTERM and SIGINT itself, so it can close the open span before exiting.
return await result.InvokeAsync(new InvocationConfiguration { ProcessTerminationTimeout = null });

AgentSettings Load(ParseResult parse) => AgentSettingsLoader.Load(parse.GetValue(configOption), new Dictionary<string, string?>
{
    ["Server"] = parse.CommandResult.Command == run ? parse.GetValue(serverOption) : null,
    ["Verbose"] = parse.CommandResult.Command == run && parse.GetValue(verboseOption) ? "true" : null,
});

// A setting that is wrong is one line on stderr and exit code 2, never a stack trace.
static T? Guard<T>(Func<T> action)
{
    try
    {
        return action();
    }
    catch (ConfigException ex)
    {
        Console.Error.WriteLine($"presently-agent: {ex.Message}");
        return default;
    }
}
