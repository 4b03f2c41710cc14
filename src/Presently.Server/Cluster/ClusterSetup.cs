using Microsoft.AspNetCore.DataProtection;
using Presently.Server.Options;
using StackExchange.Redis;

namespace Presently.Server.Cluster;

/// <summary>One instance or several: chosen once at start from <see cref="RedisOptions"/>.</summary>
public static class ClusterSetup
{
    public static WebApplicationBuilder AddPresentlyCluster(this WebApplicationBuilder builder)
    {
        var options = builder.Configuration.GetSection(RedisOptions.Section).Get<RedisOptions>() ?? new RedisOptions();
        var keys = builder.Services.AddDataProtection().SetApplicationName("presently");
        if (!options.Enabled)
        {
            // Sign-in cookies and antiforgery tokens stay valid across restarts: keys live with the data.
            keys.PersistKeysToFileSystem(KeysDirectory(builder.Configuration));
            builder.Services.AddSingleton<IAgentControl, LocalAgentControl>();
            return builder;
        }
        var configuration = ConfigurationOptions.Parse(options.Configuration!);
        // Start, and keep running, while Redis is away: the multiplexer reconnects by itself.
        configuration.AbortOnConnectFail = false;
        var redis = ConnectionMultiplexer.Connect(configuration);
        builder.Services.AddSingleton(options);
        builder.Services.AddSingleton<IConnectionMultiplexer>(redis);
        keys.PersistKeysToStackExchangeRedis(redis, $"{options.Prefix}:data-protection-keys");
        builder.Services.AddSingleton<RedisAgentControl>();
        builder.Services.AddSingleton<IAgentControl>(sp => sp.GetRequiredService<RedisAgentControl>());
        builder.Services.AddHostedService(sp => sp.GetRequiredService<RedisAgentControl>());
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
