using Microsoft.Extensions.Options;
using Presently.Server.Agents;
using Presently.Server.Board;
using Presently.Server.Ingest;
using Presently.Server.Live;
using Presently.Server.Options;
using Presently.Server.Reports;
using Presently.Storage;
using Presently.Storage.Sqlite;

namespace Presently.Server;

/// <summary>Wires the feature modules. Program.cs and the tests both build the server through here.</summary>
public static class PresentlyServer
{
    public static WebApplication Build(string[] args, Action<WebApplicationBuilder>? configure = null)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions
        {
            Args = args,
            // Static files are copied next to the binary, so the server runs from any directory.
            ContentRootPath = AppContext.BaseDirectory,
            WebRootPath = Path.Combine(AppContext.BaseDirectory, "wwwroot"),
        });
        builder.Services.AddOptions<ServerOptions>().BindConfiguration(ServerOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddSingleton<ISpanStore>(sp => new SqliteSpanStore(sp.GetRequiredService<IOptions<ServerOptions>>().Value.DatabasePath));
        builder.Services.AddSingleton<IngestWriter>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<IngestWriter>());
        builder.Services.AddSingleton<LiveState>();
        builder.Services.AddSingleton<BoardRenderer>();
        builder.Services.AddSingleton<BoardFanOut>();
        builder.Services.AddSingleton<AgentCredentials>();
        builder.Services.AddSingleton<AgentConnections>();
        builder.Services.AddProblemDetails();
        configure?.Invoke(builder);

        var app = builder.Build();
        app.UseStatusCodePages();
        app.UseWebSockets(new WebSocketOptions { KeepAliveInterval = TimeSpan.FromSeconds(20) });
        app.UseStaticFiles();
        app.MapGet("/healthz", () => TypedResults.Text("ok"));
        app.MapAgentEndpoints();
        app.MapBoard();
        app.MapReports();
        return app;
    }

    /// <summary>Opens (or creates) the store and loads the board before the first request.</summary>
    public static async Task InitializeAsync(this WebApplication app, CancellationToken ct = default)
    {
        var store = app.Services.GetRequiredService<ISpanStore>();
        await store.InitializeAsync(ct);
        app.Services.GetRequiredService<LiveState>().Load(await store.ListAgentsAsync(ct));
        _ = app.Services.GetRequiredService<BoardFanOut>();
    }
}
