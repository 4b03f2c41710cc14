using System.Globalization;
using Microsoft.AspNetCore.Identity;
using Presently.Server.Agents;
using Presently.Server.Auth;
using Presently.Storage;

namespace Presently.Server;

/// <summary>
/// Administrative verbs run against the data directory without starting the web server:
/// <c>enroll-code --person NAME [--hours N]</c>, <c>add-user --name NAME [--role admin|member] [--email ADDRESS]</c>
/// and <c>rebuild-rollups</c> (sums the report rollups again from the stored spans).
/// They take the same settings as the server (--Presently:DataDirectory …).
/// </summary>
public static class ServerCommands
{
    public static readonly string[] Verbs = ["enroll-code", "add-user", "rebuild-rollups"];

    public static async Task<int> RunAsync(string verb, string[] args, TextWriter output)
    {
        var (options, rest) = Split(args);
        var app = PresentlyServer.Build(rest);
        // Only the store: a running server's setup link must stay valid.
        await app.Services.GetRequiredService<ISpanStore>().InitializeAsync();
        var services = app.Services;
        switch (verb)
        {
            case "enroll-code":
            {
                if (!options.TryGetValue("person", out var person) || person.Length is 0 or > 128) return Fail("enroll-code needs --person NAME");
                var hours = options.TryGetValue("hours", out var h) && int.TryParse(h, CultureInfo.InvariantCulture, out var n) && n is > 0 and <= 720 ? n : 24;
                var (code, expires) = await services.GetRequiredService<EnrollmentCodes>().CreateAsync(person, "presently-server enroll-code", TimeSpan.FromHours(hours));
                await output.WriteLineAsync(code);
                Console.Error.WriteLine($"one-time enrollment code for {person}, valid until {expires:u}");
                return 0;
            }
            case "add-user":
            {
                if (!options.TryGetValue("name", out var name) || name.Length is 0 or > 128) return Fail("add-user needs --name NAME");
                var role = options.GetValueOrDefault("role", "member") switch { "admin" => Role.Admin, "member" => Role.Member, _ => (Role?)null };
                if (role is null) return Fail("--role is admin or member");
                // The password comes from stdin when piped, so it never shows up in the process list.
                var password = Console.IsInputRedirected ? (await Console.In.ReadLineAsync())?.Trim() : null;
                var generated = password is null;
                password ??= Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(12));
                if (AccountEndpoints.PasswordProblem(password, password) is { } problem) return Fail(problem);
                var email = options.GetValueOrDefault("email");
                if (email is not null && (email.Length > 254 || !email.Contains('@', StringComparison.Ordinal))) return Fail("--email needs an e-mail address");
                var accounts = services.GetRequiredService<IAccountStore>();
                var person = await accounts.SavePersonAsync(name, role.Value, null);
                await accounts.SetPasswordAsync(person.Id, services.GetRequiredService<IPasswordHasher<Person>>().HashPassword(person, password));
                // The e-mail is what single sign-on matches, the first time (docs/deploy.md).
                if (email is not null) await accounts.UpdatePersonAsync(person.Id, role.Value, email);
                await services.GetRequiredService<IAuditLog>().WriteAsync(services.GetRequiredService<TimeProvider>().GetUtcNow(), "presently-server add-user", "saved person", name,
                    email is null ? role.Value.ToString().ToLowerInvariant() : $"{role.Value.ToString().ToLowerInvariant()}, e-mail {email}");
                await output.WriteLineAsync(generated ? $"{name} ({role.Value.ToString().ToLowerInvariant()}) password: {password}" : $"{name} saved");
                return 0;
            }
            case "rebuild-rollups":
            {
                var started = System.Diagnostics.Stopwatch.StartNew();
                await services.GetRequiredService<ISpanStore>().RebuildRollupsAsync();
                await services.GetRequiredService<IAuditLog>().WriteAsync(services.GetRequiredService<TimeProvider>().GetUtcNow(), "presently-server rebuild-rollups", "rebuilt rollups", "all agents");
                await output.WriteLineAsync($"rollups rebuilt from the stored spans in {started.Elapsed.TotalSeconds:0.0} s");
                return 0;
            }
            default:
                return Fail($"unknown command {verb}");
        }
    }

    private static int Fail(string message)
    {
        Console.Error.WriteLine($"presently-server: {message}");
        return 2;
    }

    /// <summary>Takes this command's own --options out; everything else is server configuration.</summary>
    private static (Dictionary<string, string> Options, string[] Others) Split(string[] args)
    {
        var own = new Dictionary<string, string>(StringComparer.Ordinal);
        var rest = new List<string>();
        for (var i = 0; i < args.Length; i++)
        {
            if (args[i] is "--person" or "--hours" or "--name" or "--role" or "--email" && i + 1 < args.Length) own[args[i][2..]] = args[++i];
            else rest.Add(args[i]);
        }
        return (own, [.. rest]);
    }
}
