using Microsoft.AspNetCore.Identity;
using Presently.Server.Agents;
using Presently.Server.Auth;
using Presently.Server.Options;
using Presently.Server.Stores;
using Presently.Storage;

namespace Presently.Server;

/// <summary>
/// The administrative verbs (<see cref="ServerCli"/> parses and checks their options): each runs against
/// the store named by the same settings as the server, without starting the web server.
/// </summary>
public static class ServerCommands
{
    public static async Task<int> EnrollCodeAsync(string[] configuration, string person, int hours, TextWriter output)
    {
        var services = await StoreOnlyAsync(configuration);
        var (code, expires) = await services.GetRequiredService<EnrollmentCodes>().CreateAsync(person, "presently-server enroll-code", TimeSpan.FromHours(hours));
        await output.WriteLineAsync(code);
        Console.Error.WriteLine($"one-time enrollment code for {person}, valid until {expires:u}");
        return 0;
    }

    public static async Task<int> AddUserAsync(string[] configuration, string name, Role role, string? email, TextWriter output)
    {
        // The password comes from stdin when piped, so it never shows up in the process list.
        var password = Console.IsInputRedirected ? (await Console.In.ReadLineAsync())?.Trim() : null;
        var generated = password is null;
        password ??= Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(12));
        if (AccountEndpoints.PasswordProblem(password, password) is { } problem) return Fail(problem);
        var services = await StoreOnlyAsync(configuration);
        var accounts = services.GetRequiredService<IAccountStore>();
        var person = await accounts.SavePersonAsync(name, role, null);
        await accounts.SetPasswordAsync(person.Id, services.GetRequiredService<IPasswordHasher<Person>>().HashPassword(person, password));
        // The e-mail is what single sign-on matches, the first time (docs/deploy.md).
        if (email is not null) await accounts.UpdatePersonAsync(person.Id, role, email);
        var roleName = role.ToString().ToLowerInvariant();
        await services.GetRequiredService<IAuditLog>().WriteAsync(services.GetRequiredService<TimeProvider>().GetUtcNow(), "presently-server add-user", "saved person", name,
            email is null ? roleName : $"{roleName}, e-mail {email}");
        await output.WriteLineAsync(generated ? $"{name} ({roleName}) password: {password}" : $"{name} saved");
        return 0;
    }

    public static async Task<int> RebuildRollupsAsync(string[] configuration, TextWriter output)
    {
        var services = await StoreOnlyAsync(configuration);
        var started = System.Diagnostics.Stopwatch.StartNew();
        await services.GetRequiredService<ISpanStore>().RebuildRollupsAsync();
        await services.GetRequiredService<IAuditLog>().WriteAsync(services.GetRequiredService<TimeProvider>().GetUtcNow(), "presently-server rebuild-rollups", "rebuilt rollups", "all agents");
        await output.WriteLineAsync($"rollups rebuilt from the stored spans in {started.Elapsed.TotalSeconds:0.0} s");
        return 0;
    }

    /// <summary>
    /// A host with the stores and what the commands need, and no web server, board or background work:
    /// settings only the web server reads (certificates, sign-on, monitoring) cannot stop a command. The
    /// store is migrated first, as the server would; a running server's setup link stays valid.
    /// </summary>
    private static async Task<IServiceProvider> StoreOnlyAsync(string[] configuration)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { Args = configuration, ContentRootPath = AppContext.BaseDirectory });
        builder.Services.AddOptions<ServerOptions>().BindConfiguration(ServerOptions.Section).ValidateDataAnnotations();
        builder.Services.AddSingleton(TimeProvider.System);
        builder.AddPresentlyStores();
        builder.Services.AddSingleton<EnrollmentCodes>();
        builder.Services.AddSingleton<IPasswordHasher<Person>, PasswordHasher<Person>>();
        var host = builder.Build();
        await host.Services.GetRequiredService<ISpanStore>().InitializeAsync();
        return host.Services;
    }

    private static int Fail(string message)
    {
        Console.Error.WriteLine($"presently-server: {message}");
        return 2;
    }
}
