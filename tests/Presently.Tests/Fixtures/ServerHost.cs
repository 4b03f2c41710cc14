using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Presently.Server;
using Presently.Storage;

namespace Presently.Tests.Fixtures;

/// <summary>A real Presently server on Kestrel at 127.0.0.1 with a free port and a SQLite file in a temp folder.</summary>
public sealed class ServerHost : IAsyncDisposable
{
    public const string Token = "test-agent-token-0123456789";

    private readonly WebApplication _app;
    private readonly TempDirectory? _ownedDirectory;

    private ServerHost(WebApplication app, TempDirectory? owned, string dataDirectory)
    {
        _app = app;
        _ownedDirectory = owned;
        DataDirectory = dataDirectory;
        var addresses = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses;
        BaseUri = new Uri(addresses.First());
        Http = new HttpClient { BaseAddress = BaseUri, Timeout = TimeSpan.FromSeconds(30) };
    }

    public Uri BaseUri { get; }

    public Uri AgentUri => new UriBuilder(BaseUri) { Scheme = "ws", Path = "/agent/v1" }.Uri;

    public HttpClient Http { get; }

    public string DataDirectory { get; }

    public IServiceProvider Services => _app.Services;

    public ISpanStore Store => _app.Services.GetRequiredService<ISpanStore>();

    /// <param name="dataDirectory">Reuse a folder (a restart); by default a fresh temp folder.</param>
    public static async Task<ServerHost> StartAsync(string? dataDirectory = null, TimeProvider? time = null, params string[] extraArgs)
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
            .. extraArgs,
        ];
        var app = PresentlyServer.Build(args, builder =>
        {
            if (time is not null) builder.Services.Replace(ServiceDescriptor.Singleton(time));
        });
        await app.InitializeAsync();
        await app.StartAsync();
        return new ServerHost(app, owned, dir);
    }

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        await _app.StopAsync(cts.Token);
        await _app.DisposeAsync();
        _ownedDirectory?.Dispose();
    }
}
