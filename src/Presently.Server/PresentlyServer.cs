using Microsoft.Extensions.Options;
using Presently.Server.Admin;
using Presently.Server.Agents;
using Presently.Server.Api;
using Presently.Server.Auth;
using Presently.Server.Board;
using Presently.Server.Categories;
using Presently.Server.Cluster;
using Presently.Server.Downloads;
using Presently.Server.Ingest;
using Presently.Server.Live;
using Presently.Server.Monitoring;
using Presently.Server.Options;
using Presently.Server.Reports;
using Presently.Storage;
using Presently.Server.Stores;
using Presently.Server.Timeline;

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
        builder.AddPresentlyStorage();
        builder.Services.AddSingleton<EnrollmentCodes>();
        builder.Services.AddSingleton<AgentAdmin>();
        builder.Services.AddSingleton<Teams>();
        // After the store's start-up (registered above): loads the categories from a migrated store.
        builder.Services.AddSingleton<CategoryCatalog>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<CategoryCatalog>());
        builder.Services.AddHostedService<CategoryRollupRefresh>();
        // After the store's start-up (registered above): its first run finds the store migrated.
        builder.Services.AddSingleton<RetentionService>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<RetentionService>());
        builder.Services.AddSingleton<IngestWriter>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<IngestWriter>());
        builder.Services.AddSingleton<MeetingRules>();
        builder.Services.AddSingleton<IValidateOptions<ServerOptions>, MeetingRulesValidation>();
        builder.Services.AddPresentlyMonitoring();
        builder.Services.AddSingleton<IBoardFeed, InProcessBoardFeed>();
        builder.Services.AddSingleton<LiveState>();
        builder.Services.AddRazorComponents();
        // Pages encode markup characters only: names and titles in any script are sent as they are.
        builder.Services.AddWebEncoders(o => o.TextEncoderSettings = new System.Text.Encodings.Web.TextEncoderSettings(System.Text.Unicode.UnicodeRanges.All));
        builder.Services.AddSingleton<BoardFragments>();
        builder.Services.AddSingleton<BoardFanOut>();
        builder.Services.AddSingleton<VisibilityPolicy>();
        builder.Services.AddSingleton<ReportRunner>();
        builder.Services.AddSingleton<AgentSessionFactory>();
        builder.Services.AddSingleton<AgentRateLimits>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<AgentRateLimits>());
        builder.Services.AddSingleton<AgentCredentials>();
        builder.Services.AddSingleton<AgentConnections>();
        builder.Services.AddSingleton(sp => new Downloads.AgentBuilds(sp.GetRequiredService<IOptions<ServerOptions>>().Value.AgentBuildsPath));
        builder.Services.AddSingleton(sp => PublicCertificate.Resolve(sp.GetRequiredService<IOptions<ServerOptions>>().Value, sp.GetRequiredService<IConfiguration>()));
        builder.Services.AddProblemDetails();
        builder.AddPresentlyCluster();
        builder.AddPresentlyAuth();
        builder.Services.AddPresentlyOpenApi();
        configure?.Invoke(builder);

        var app = builder.Build();
        // Read once, now: a missing or wrong certificate file stops the start with one line, not the first install.
        _ = app.Services.GetRequiredService<PublicCertificate>();
        app.UsePresentlyHeaders();
        app.UseStaticFiles();
        app.UsePresentlyAuth();
        app.UseWebSockets(new WebSocketOptions { KeepAliveInterval = TimeSpan.FromSeconds(20) });
        app.MapGet("/healthz", () => TypedResults.Text("ok")).AllowAnonymous();
        app.MapReadiness();
        app.MapMonitoring();
        var role = app.Services.GetRequiredService<ClusterInstance>().Role;
        if (role.ServesAgents())
        {
            app.MapAgentEndpoints();
            app.MapEnrollment();
        }
        if (role.ServesPeople())
        {
            app.MapAccounts();
            app.MapTimePreferences();
            app.MapApiTokens();
            app.MapApiDocs();
            app.MapBoard();
            app.MapReports();
            app.MapTimeline();
            app.MapAdmin();
            app.MapCategories();
            app.MapDownloads();
        }
        return app;
    }

    /// <summary>
    /// After start (the store is migrated then, by <see cref="StoreStartup"/>): the one-time setup token
    /// when the server has no admin yet (the caller prints the link).
    /// </summary>
    public static Task<string?> PrepareSetupAsync(this WebApplication app) =>
        AccountEndpoints.PrepareSetupAsync(app.Services.GetRequiredService<IAccountStore>());
}
