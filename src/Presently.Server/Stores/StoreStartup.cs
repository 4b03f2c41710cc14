using Presently.Server.Admin;
using Presently.Server.Board;
using Presently.Server.Live;
using Presently.Storage;

namespace Presently.Server.Stores;

/// <summary>
/// Runs the store's migrations (versioned, both stores) and loads the board before the server takes
/// its first request: hosted services start before Kestrel listens.
/// </summary>
public sealed class StoreStartup(ISpanStore store, LiveState live, Teams teams) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await store.InitializeAsync(cancellationToken);
        live.Load(await store.ListAgentsAsync(cancellationToken));
        await teams.LoadAsync(cancellationToken);
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
