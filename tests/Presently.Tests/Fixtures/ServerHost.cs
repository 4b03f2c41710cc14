using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using System.Net.Http.Json;
using Microsoft.AspNetCore.Identity;
using Presently.Server;
using Presently.Storage;

namespace Presently.Tests.Fixtures;

/// <summary>A real Presently server on Kestrel at 127.0.0.1 with a free port and a SQLite file in a temp folder.</summary>
public sealed class ServerHost : IAsyncDisposable
{
    public const string Token = "test-agent-token-0123456789";
    public const string AdminName = "admin";
    public const string AdminPassword = "admin-password-123";

    private readonly WebApplication _app;
    private readonly TempDirectory? _ownedDirectory;

    private ServerHost(WebApplication app, TempDirectory? owned, string dataDirectory, string? setupToken)
    {
        _app = app;
        _ownedDirectory = owned;
        DataDirectory = dataDirectory;
        SetupToken = setupToken;
        var addresses = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses;
        BaseUri = new Uri(addresses.First());
    }

    /// <summary>The one-time setup token the server made because it had no admin when it started.</summary>
    public string? SetupToken { get; }

    /// <summary>Signed in as the admin.</summary>
    public HttpClient Http => Admin.Http;

    public WebSession Admin { get; private set; } = null!;

    /// <summary>Enrolls an agent for <paramref name="person"/> the way `presently-agent enroll` does; returns its id and secret.</summary>
    public async Task<(string AgentId, string Token)> EnrollAsync(string person, string host = "laptop")
    {
        var (code, _) = await Services.GetRequiredService<Presently.Server.Agents.EnrollmentCodes>().CreateAsync(person, "test", TimeSpan.FromHours(1));
        using var anonymous = WebSession.Anonymous(BaseUri);
        var response = await anonymous.Http.PostAsJsonAsync("/api/v1/enroll", new { code, host, os = "Linux", agentVersion = "1" });
        response.EnsureSuccessStatusCode();
        var body = await response.Content.ReadFromJsonAsync<System.Text.Json.JsonElement>();
        return (body.GetProperty("agentId").GetString()!, body.GetProperty("credential").GetString()!);
    }

    /// <summary>Creates (or updates) a person with a password and signs them in.</summary>
    public async Task<WebSession> SignInAsync(string name, Role role, string password = "member-password-123")
    {
        var accounts = Services.GetRequiredService<IAccountStore>();
        var person = await accounts.SavePersonAsync(name, role, null);
        var hasher = Services.GetRequiredService<IPasswordHasher<Person>>();
        // A new password ends the person's other sessions; keep them when it is the same password.
        if (person.PasswordHash is null || hasher.VerifyHashedPassword(person, person.PasswordHash, password) == PasswordVerificationResult.Failed)
            await accounts.SetPasswordAsync(person.Id, hasher.HashPassword(person, password));
        return await WebSession.SignInAsync(BaseUri, name, password);
    }

    public Uri BaseUri { get; }

    public Uri AgentUri => new UriBuilder(BaseUri) { Scheme = BaseUri.Scheme == "https" ? "wss" : "ws", Path = "/agent/v1" }.Uri;

    public string DataDirectory { get; }

    public IServiceProvider Services => _app.Services;

    public ISpanStore Store => _app.Services.GetRequiredService<ISpanStore>();

    /// <param name="dataDirectory">Reuse a folder (a restart); by default a fresh temp folder.</param>
    public static Task<ServerHost> StartAsync(string? dataDirectory = null, TimeProvider? time = null, params string[] extraArgs) =>
        StartAsync(dataDirectory, time, signInAdmin: true, extraArgs);

    public static Task<ServerHost> StartAsync(string? dataDirectory, TimeProvider? time, bool signInAdmin, params string[] extraArgs) =>
        StartAsync(dataDirectory, time, signInAdmin, services: null, extraArgs);

    /// <param name="services">Replaces services after the server's own (a store that stalls, say).</param>
    public static async Task<ServerHost> StartAsync(string? dataDirectory, TimeProvider? time, bool signInAdmin, Action<IServiceCollection>? services, params string[] extraArgs)
    {
        var owned = dataDirectory is null ? new TempDirectory() : null;
        var dir = dataDirectory ?? owned!.Path;
        string[] args =
        [
            "--urls", "http://127.0.0.1:0",
            "--Presently:DataDirectory", dir,
            "--Presently:DevelopmentAgentToken", Token,
            "--Presently:DevelopmentPerson", "tester",
            "--Logging:LogLevel:Default", "Warning",
            // Tests sign in many times from one address; the limit itself has its own test.
            "--Presently:AuthAttemptsPerMinute", "1000",
            .. extraArgs,
        ];
        var app = PresentlyServer.Build(args, builder =>
        {
            if (time is not null) builder.Services.Replace(ServiceDescriptor.Singleton(time));
            services?.Invoke(builder.Services);
        });
        await app.StartAsync();
        var setupToken = await app.PrepareSetupAsync();
        var host = new ServerHost(app, owned, dir, setupToken);
        if (signInAdmin) host.Admin = await host.SignInAsync(AdminName, Role.Admin, AdminPassword);
        return host;
    }

    public async ValueTask DisposeAsync()
    {
        Admin?.Dispose();
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        await _app.StopAsync(cts.Token);
        await _app.DisposeAsync();
        _ownedDirectory?.Dispose();
    }
}
