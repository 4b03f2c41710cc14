using Microsoft.AspNetCore.Authorization;
using Microsoft.Extensions.Options;
using Prometheus;

namespace Presently.Server.Monitoring;

public static class MonitoringSetup
{
    public static IServiceCollection AddPresentlyMonitoring(this IServiceCollection services)
    {
        services.AddSingleton<ServerMetrics>();
        services.AddOptions<MonitoringOptions>().BindConfiguration(MonitoringOptions.Section)
            .Validate(o => o.Problem() is null, "Presently:Monitoring:AllowedNetworks lists something that is not an address or a network such as 10.0.0.0/8").ValidateOnStart();
        services.AddOptions<AuthorizationOptions>().Configure<IOptions<MonitoringOptions>>((o, monitoring) =>
            o.AddPolicy(MonitoringAccess.Policy, p => p.AddRequirements(new MonitoringAccess(monitoring))));
        return services;
    }

    /// <summary><c>/metrics</c> in Prometheus' text format: <see cref="ServerMetrics"/> and the process's.</summary>
    public static IEndpointRouteBuilder MapMonitoring(this IEndpointRouteBuilder app)
    {
        app.MapMetrics("/metrics", app.ServiceProvider.GetRequiredService<ServerMetrics>().Registry).RequireAuthorization(MonitoringAccess.Policy);
        return app;
    }
}
