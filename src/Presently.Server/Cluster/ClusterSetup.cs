using Microsoft.AspNetCore.DataProtection;
using Microsoft.Extensions.Options;
using Presently.Server.Live;
using Presently.Server.Stores;
using Presently.Server.Options;
using StackExchange.Redis;

namespace Presently.Server.Cluster;

/// <summary>One instance or several: chosen once at start from <see cref="RedisOptions"/>.</summary>
public static class ClusterSetup
{
    public static WebApplicationBuilder AddPresentlyCluster(this WebApplicationBuilder builder)
    {
        var options = builder.Configuration.GetSection(RedisOptions.Section).Get<RedisOptions>() ?? new RedisOptions();
        var role = ServerRoles.From(builder.Configuration);
        var keys = builder.Services.AddDataProtection().SetApplicationName("presently");
        if (!options.Enabled)
        {
            if (role != ServerRole.All)
                throw new OptionsValidationException(ServerRoles.Setting, typeof(ServerRole),
                    [$"the {ServerRoles.Names[(int)role]} role shares the live state with other instances: set {RedisOptions.Section}:Configuration too"]);
            // Sign-in cookies and antiforgery tokens stay valid across restarts: keys live with the data.
            keys.PersistKeysToFileSystem(KeysDirectory(builder.Configuration));
            builder.Services.AddSingleton(new ClusterInstance("local", role));
            builder.Services.AddSingleton<IAgentControl, LocalAgentControl>();
            builder.Services.AddSingleton<ILiveUpdates, LocalLiveUpdates>();
            return builder;
        }
        if (options.Problem() is { } problem) throw new OptionsValidationException(RedisOptions.Section, typeof(RedisOptions), [problem]);
        var configuration = ConfigurationOptions.Parse(options.Configuration!);
        // Start, and keep running, while Redis is away: the multiplexer reconnects by itself.
        configuration.AbortOnConnectFail = false;
        // Back within a second of Redis: boards resync on reconnect, and waiting longer only keeps them stale.
        configuration.ReconnectRetryPolicy = new LinearRetry(1000);
        var redis = ConnectionMultiplexer.Connect(configuration);
        builder.Services.AddSingleton(options);
        builder.Services.AddSingleton<IConnectionMultiplexer>(redis);
        keys.PersistKeysToStackExchangeRedis(redis, options.Key("data-protection-keys"));
        builder.Services.AddSingleton<RedisAgentControl>();
        builder.Services.AddSingleton<IAgentControl>(sp => sp.GetRequiredService<RedisAgentControl>());
        builder.Services.AddHostedService(sp => sp.GetRequiredService<RedisAgentControl>());
        builder.Services.AddSingleton(ClusterInstance.Start(role));
        builder.Services.AddSingleton<RedisLiveUpdates>();
        builder.Services.AddSingleton<ILiveUpdates>(sp => sp.GetRequiredService<RedisLiveUpdates>());
        builder.Services.AddSingleton<RedisLiveSync>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<RedisLiveSync>());
        builder.Services.AddSingleton<IReadinessProbe, RedisReadiness>();
        if (role.ServesAgents())
        {
            var rebalance = builder.Configuration.GetSection(RebalanceOptions.Section).Get<RebalanceOptions>() ?? new RebalanceOptions();
            if (rebalance.Problem() is { } invalid) throw new OptionsValidationException(RebalanceOptions.Section, typeof(RebalanceOptions), [invalid]);
            builder.Services.AddSingleton(rebalance);
            builder.Services.AddHostedService<Rebalancer>();
        }
        return builder;
    }

    /// <summary>The signing keys are secrets: their folder is readable by the server's user only.</summary>
    private static DirectoryInfo KeysDirectory(IConfiguration configuration)
    {
        var path = Path.Combine(PrivateDataDirectory.Prepare(configuration["Presently:DataDirectory"] ?? new ServerOptions().DataDirectory), "keys");
        return OperatingSystem.IsWindows()
            ? Directory.CreateDirectory(path)
            : Directory.CreateDirectory(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
    }
}
