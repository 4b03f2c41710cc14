using System.CommandLine;
using System.Globalization;
using Microsoft.Extensions.Options;
using Presently.Storage;

namespace Presently.Server;

/// <summary>
/// The server's command line: <c>serve</c> (the default) and the administrative verbs, each with
/// <c>--help</c> that prints help and starts nothing. Whatever a command does not know itself is
/// server configuration (<c>--Presently:DataDirectory /var/lib/presently</c>, <c>--urls …</c>), passed on
/// as the server would take it.
/// </summary>
public static class ServerCli
{
    public const int MaxCodeHours = 720;

    public static RootCommand Create(TextWriter output)
    {
        var serverRole = new Option<string?>("--role") { Description = "What this instance serves: all (the default), ingest (agents) or web (people); ingest and web need PostgreSQL and Redis" };
        serverRole.Validators.Add(r => { if (Array.IndexOf(Cluster.ServerRoles.Names, r.GetValueOrDefault<string?>()) < 0) r.AddError("--role is all, ingest or web"); });
        var serve = new Command("serve", "Run the server (the default when no command is given)") { serverRole };
        serve.TreatUnmatchedTokensAsErrors = false;
        serve.SetAction((parse, ct) => ServeAsync(ServeConfiguration(parse, serverRole), ct));

        var person = new Option<string>("--person") { Description = "Whose computer the code enrolls (created if new)", Required = true };
        person.Validators.Add(r => { if (r.GetValueOrDefault<string>() is not { Length: > 0 and <= 128 }) r.AddError("--person needs a name of 1 to 128 characters"); });
        var hours = new Option<int>("--hours") { Description = $"How long the code is valid, in hours (1 to {MaxCodeHours})", DefaultValueFactory = _ => 24 };
        hours.CustomParser = r =>
        {
            if (int.TryParse(r.Tokens.Single().Value, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n is >= 1 and <= MaxCodeHours) return n;
            r.AddError($"--hours is a whole number from 1 to {MaxCodeHours}");
            return 0;
        };
        var enrollCode = new Command("enroll-code", "Print a one-time enrollment code for a person's computer") { person, hours };
        enrollCode.TreatUnmatchedTokensAsErrors = false;
        enrollCode.SetAction(parse => ServerCommands.EnrollCodeAsync(Configuration(parse), parse.GetValue(person)!, parse.GetValue(hours), output));

        var name = new Option<string>("--name") { Description = "The person's name", Required = true };
        name.Validators.Add(r => { if (r.GetValueOrDefault<string>() is not { Length: > 0 and <= 128 }) r.AddError("--name needs a name of 1 to 128 characters"); });
        var role = new Option<string>("--role") { Description = "admin or member", DefaultValueFactory = _ => "member" };
        role.Validators.Add(r => { if (r.GetValueOrDefault<string>() is not ("admin" or "member")) r.AddError("--role is admin or member"); });
        var email = new Option<string?>("--email") { Description = "The e-mail address single sign-on matches" };
        email.Validators.Add(r => { if (r.GetValueOrDefault<string?>() is { } e && (e.Length > 254 || !e.Contains('@', StringComparison.Ordinal))) r.AddError("--email needs an e-mail address"); });
        var addUser = new Command("add-user", "Create or update a person who signs in with a password (read from standard input when piped, else generated and printed)") { name, role, email };
        addUser.TreatUnmatchedTokensAsErrors = false;
        addUser.SetAction(parse => ServerCommands.AddUserAsync(Configuration(parse), parse.GetValue(name)!, parse.GetValue(role) == "admin" ? Role.Admin : Role.Member, parse.GetValue(email), output));

        var rebuild = new Command("rebuild-rollups", "Sum the report rollups (and the device overlaps and categories in them) again from the stored spans") { TreatUnmatchedTokensAsErrors = false };
        rebuild.SetAction(parse => ServerCommands.RebuildRollupsAsync(Configuration(parse), output));

        var root = new RootCommand("Presently server: agent endpoint, live board, hours reports. Settings: --Presently:NAME VALUE (see docs/deploy.md).")
        {
            serve, enrollCode, addUser, rebuild,
        };
        root.TreatUnmatchedTokensAsErrors = false;
        root.Options.Add(serverRole);
        root.SetAction((parse, ct) => ServeAsync(ServeConfiguration(parse, serverRole), ct));
        return root;
    }

    /// <summary>The command names, so a command may come after the shared settings (scripts put those first).</summary>
    public static string[] Verbs(RootCommand root) => [.. root.Subcommands.Select(c => c.Name)];

    /// <summary>Parses and runs; a bad command line is one line on stderr and exit code 2.</summary>
    public static async Task<int> RunAsync(string[] args, TextWriter output, CancellationToken ct = default)
    {
        var root = Create(output);
        var verbs = Verbs(root);
        // The first command name anywhere goes first: `--Presently:DataDirectory X enroll-code …` works as before.
        if (Array.FindIndex(args, a => verbs.Contains(a)) is var at and > 0) args = [args[at], .. args[..at], .. args[(at + 1)..]];
        var result = root.Parse(args);
        var problem = result.Errors.Count > 0 ? result.Errors[0].Message : NotConfiguration(result.UnmatchedTokens);
        if (problem is not null)
        {
            Console.Error.WriteLine($"presently-server: {problem} (see presently-server --help)");
            return 2;
        }
        // The web host handles SIGTERM and SIGINT itself (a graceful stop that drains agents' last batches).
        // Exceptions reach Program, which turns the known ones into one line (the default handler would print a stack trace).
        return await result.InvokeAsync(new InvocationConfiguration { ProcessTerminationTimeout = null, EnableDefaultExceptionHandler = false }, ct);
    }

    /// <summary>
    /// Why the tokens a command did not take are not configuration as the server reads it
    /// (<c>--Name value</c>, <c>--Name=value</c> or <c>Name=value</c>), or null when they are: a stray word
    /// is a mistyped command, not a reason to start a server.
    /// </summary>
    public static string? NotConfiguration(IReadOnlyList<string> tokens)
    {
        for (var i = 0; i < tokens.Count; i++)
        {
            var token = tokens[i];
            if (token.StartsWith("--", StringComparison.Ordinal) && token.Length > 2)
            {
                if (!token.Contains('=', StringComparison.Ordinal)) i++; // its value
                if (i >= tokens.Count) return $"setting {token} needs a value";
            }
            else if (!token.Contains('=', StringComparison.Ordinal) || token.StartsWith('='))
            {
                return $"unknown command or setting '{(token.Length > 64 ? token[..64] + "…" : token)}'";
            }
        }
        return null;
    }

    /// <summary>The configuration to serve with: <c>--role</c> is the <see cref="Cluster.ServerRoles.Setting"/> setting.</summary>
    private static string[] ServeConfiguration(ParseResult parse, Option<string?> role) =>
        parse.GetValue(role) is { } value ? [.. Configuration(parse), $"--{Cluster.ServerRoles.Setting}", value] : Configuration(parse);

    /// <summary>What the command did not take itself: the server's configuration.</summary>
    private static string[] Configuration(ParseResult parse) => [.. parse.UnmatchedTokens];

    private static async Task<int> ServeAsync(string[] configuration, CancellationToken ct)
    {
        var app = PresentlyServer.Build(configuration);
        // Settings are checked before anything starts, so a bad one is one line, not a failed host's log.
        _ = app.Services.GetRequiredService<IOptions<Options.ServerOptions>>().Value;
        await app.StartAsync(ct);
        var setupToken = await app.PrepareSetupAsync();
        if (setupToken is not null)
            foreach (var url in app.Urls)
                Console.WriteLine($"No admin yet. Create the first one (this link works once): {url.TrimEnd('/')}/setup?token={setupToken}");
        await app.WaitForShutdownAsync(ct);
        return 0;
    }
}
