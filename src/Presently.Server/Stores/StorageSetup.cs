using Microsoft.Extensions.Options;
using Npgsql;
using Presently.Server.Options;
using Presently.Storage;
using Presently.Storage.Categories;
using Presently.Storage.Postgres;
using Presently.Storage.Sqlite;

namespace Presently.Server.Stores;

public enum StoreProvider
{
    /// <summary>One file in the data directory: nothing to set up.</summary>
    Sqlite,
    /// <summary>A PostgreSQL database the organisation runs (required for several instances).</summary>
    Postgres,
}

/// <summary>Settings under <c>Presently:Storage</c>.</summary>
public sealed class StorageOptions
{
    public const string Section = "Presently:Storage";

    public StoreProvider Provider { get; set; } = StoreProvider.Sqlite;

    /// <summary>An Npgsql connection string, e.g. <c>Host=db;Database=presently;Username=presently;Password=…</c>.</summary>
    public string? PostgresConnectionString { get; set; }

    /// <summary>
    /// How many ingest commits run at once on PostgreSQL, per instance, each on its own connection (a
    /// person's batches always in the same one). A commit is a few round trips however many batches it
    /// holds, so one lane leaves the database idle between them; more lanes than two made smaller
    /// commits that cost PostgreSQL more CPU (docs/BENCHMARKS.md). SQLite has one writer whatever this says.
    /// </summary>
    public int PostgresIngestLanes { get; set; } = 2;
}

/// <summary>The store is chosen once, at start, from the settings; everything else sees only the interfaces.</summary>
public static class StorageSetup
{
    /// <summary>The stores, and their start-up (migrations, then the board loaded from them) before the server takes requests.</summary>
    public static WebApplicationBuilder AddPresentlyStorage(this WebApplicationBuilder builder)
    {
        builder.AddPresentlyStores();
        builder.Services.AddHostedService<StoreStartup>();
        return builder;
    }

    /// <summary>The stores the settings name, and nothing else: what the server's administrative commands run on.</summary>
    public static IHostApplicationBuilder AddPresentlyStores(this IHostApplicationBuilder builder)
    {
        var options = builder.Configuration.GetSection(StorageOptions.Section).Get<StorageOptions>() ?? new StorageOptions();
        if (options.Provider == StoreProvider.Postgres)
        {
            if (string.IsNullOrWhiteSpace(options.PostgresConnectionString))
                throw new OptionsValidationException(StorageOptions.Section, typeof(StorageOptions),
                    ["Presently:Storage:Provider is Postgres but Presently:Storage:PostgresConnectionString is empty"]);
            if (options.PostgresIngestLanes is < 1 or > PostgresSpanStore.MaxIngestLanes)
                throw new OptionsValidationException(StorageOptions.Section, typeof(StorageOptions),
                    [$"Presently:Storage:PostgresIngestLanes is from 1 to {PostgresSpanStore.MaxIngestLanes}"]);
            builder.Services.AddPostgresStorage(options.PostgresConnectionString, options.PostgresIngestLanes);
        }
        else
        {
            builder.Services.AddSqliteStorage();
        }
        return builder;
    }

    /// <summary>The embedded store: <c>presently.db</c> in the data directory.</summary>
    public static IServiceCollection AddSqliteStorage(this IServiceCollection services)
    {
        services.AddSingleton<ISpanStore>(sp =>
        {
            var options = sp.GetRequiredService<IOptions<ServerOptions>>().Value;
            return new SqliteSpanStore(options.DatabasePath, options.StoreLimits);
        });
        services.AddSingleton(sp => new SqliteAccounts(sp.GetRequiredService<IOptions<ServerOptions>>().Value.DatabasePath, sp.GetRequiredService<TimeProvider>()));
        services.AddSingleton<IAccountStore>(sp => sp.GetRequiredService<SqliteAccounts>());
        services.AddSingleton<IAgentRegistry>(sp => sp.GetRequiredService<SqliteAccounts>());
        services.AddSingleton<IAuditLog>(sp => sp.GetRequiredService<SqliteAccounts>());
        services.AddSingleton<ITeamStore>(sp => sp.GetRequiredService<SqliteAccounts>());
        services.AddSingleton<ICategoryStore>(sp => sp.GetRequiredService<SqliteAccounts>());
        services.AddSingleton<IPreferencesStore>(sp => sp.GetRequiredService<SqliteAccounts>());
        return services;
    }

    /// <summary>Spans, accounts, agents, audit and enrollment in one PostgreSQL database.</summary>
    public static IServiceCollection AddPostgresStorage(this IServiceCollection services, string connectionString, int ingestLanes)
    {
        services.AddSingleton(_ =>
        {
            var builder = new NpgsqlDataSourceBuilder(connectionString) { Name = "presently" };
            // Report queries are short; PostgreSQL's JIT compiler, tempted by partitioned plans, tripled
            // the time of the edges query on a year of data. Options given in the connection string win.
            if (string.IsNullOrEmpty(builder.ConnectionStringBuilder.Options)) builder.ConnectionStringBuilder.Options = "-c jit=off";
            return builder.Build();
        });
        services.AddSingleton<ISpanStore>(sp => new PostgresSpanStore(sp.GetRequiredService<NpgsqlDataSource>(), sp.GetRequiredService<IOptions<ServerOptions>>().Value.StoreLimits, ingestLanes));
        services.AddSingleton(sp => new PostgresAccounts(sp.GetRequiredService<NpgsqlDataSource>(), sp.GetRequiredService<TimeProvider>()));
        services.AddSingleton<IAccountStore>(sp => sp.GetRequiredService<PostgresAccounts>());
        services.AddSingleton<IAgentRegistry>(sp => sp.GetRequiredService<PostgresAccounts>());
        services.AddSingleton<IAuditLog>(sp => sp.GetRequiredService<PostgresAccounts>());
        services.AddSingleton<ITeamStore>(sp => sp.GetRequiredService<PostgresAccounts>());
        services.AddSingleton<ICategoryStore>(sp => sp.GetRequiredService<PostgresAccounts>());
        services.AddSingleton<IPreferencesStore>(sp => sp.GetRequiredService<PostgresAccounts>());
        return services;
    }
}
