using System.Threading.Channels;
using Presently.Storage;

namespace Presently.Server.Categories;

/// <summary>
/// Keeps the store's category rollups on the rules in force: at start, and in the background after each
/// change an admin makes (several changes in a row are summed again once), so the admin's page answers
/// at once and reports by category follow as soon as the store has summed them again.
/// </summary>
public sealed class CategoryRollupRefresh : BackgroundService
{
    private readonly ISpanStore _store;
    private readonly ILogger<CategoryRollupRefresh> _log;
    private readonly Channel<bool> _changes = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });

    public CategoryRollupRefresh(CategoryCatalog catalog, ISpanStore store, ILogger<CategoryRollupRefresh> log)
    {
        (_store, _log) = (store, log);
        // Subscribed when hosted services are created, before the catalog's start loads (and seeds) the rules.
        catalog.Changed += (_, _) => _changes.Writer.TryWrite(true);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        _changes.Writer.TryWrite(true);
        await foreach (var _ in _changes.Reader.ReadAllAsync(stoppingToken))
        {
            try
            {
                if (await _store.RefreshCategoriesAsync(stoppingToken)) _log.LogInformation("Summed the category rollups again with the categories in force");
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                // The rows stay as they were; the next change, or the next start, tries again.
                _log.LogError(ex, "Could not sum the category rollups again");
            }
        }
    }
}
