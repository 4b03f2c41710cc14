using Presently.Storage;
using Presently.Storage.Categories;

namespace Presently.Server.Categories;

/// <summary>
/// The categories in force: compiled once from the store at start (seeding the defaults on a store that
/// never had any), and again after each change an admin makes here, which is stored, audited and then
/// announced by <see cref="Changed"/> (report totals by category are rebuilt on it).
/// </summary>
public sealed class CategoryCatalog(ICategoryStore store, IAuditLog audit, TimeProvider time, ILogger<CategoryCatalog> log) : IHostedService
{
    private volatile CategoryRules _rules = CategoryRules.Empty;

    /// <summary>The rules now; a change replaces them whole, so a caller holding one set sees it unchanged.</summary>
    public CategoryRules Rules => _rules;

    /// <summary>Raised with the new rules after every reload, on the thread that made the change.</summary>
    public event EventHandler<CategoryRules>? Changed;

    // Registered after the store's start-up, so the store is migrated by now.
    async Task IHostedService.StartAsync(CancellationToken cancellationToken)
    {
        if (await store.SeedCategoriesAsync(DefaultCategories.All, cancellationToken))
            log.LogInformation("Stored the {Count} default categories", DefaultCategories.All.Count);
        await LoadAsync(cancellationToken);
    }

    Task IHostedService.StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>Compiles the store's categories, replaces <see cref="Rules"/> and raises <see cref="Changed"/>.</summary>
    public async Task LoadAsync(CancellationToken ct = default)
    {
        var rules = new CategoryRules(await store.ListCategoriesAsync(ct));
        _rules = rules;
        foreach (var handler in Changed?.GetInvocationList().Cast<EventHandler<CategoryRules>>() ?? [])
        {
            try
            {
                handler(this, rules);
            }
            catch (Exception ex)
            {
                // The change is stored and in force; one listener failing must not fail it, nor keep the others from hearing.
                log.LogError(ex, "A listener to category changes failed");
            }
        }
    }

    /// <summary>Stores a new category (last in the order); a one-line problem, or null when done.</summary>
    public async Task<string?> CreateAsync(string actor, Category category)
    {
        if (category.Problem() is { } problem) return problem;
        var created = await store.CreateCategoryAsync(category);
        if (created is null) return $"There is a category {category.DisplayPath} already.";
        await AfterAsync(actor, "created category", created.Path, Describe(created));
        return null;
    }

    /// <summary>Changes the category of that id; a one-line problem, or null when done.</summary>
    public async Task<string?> UpdateAsync(string actor, Category category)
    {
        if (category.Problem() is { } problem) return problem;
        var old = (await store.ListCategoriesAsync()).FirstOrDefault(c => c.Id == category.Id);
        if (old is null) return "There is no such category.";
        if (!await store.UpdateCategoryAsync(category)) return $"There is a category {category.DisplayPath} already.";
        await AfterAsync(actor, "changed category", category.Path,
            old.Path == category.Path ? Describe(category) : $"was {old.Path}; {Describe(category)}");
        return null;
    }

    public async Task<bool> DeleteAsync(string actor, long categoryId)
    {
        var old = (await store.ListCategoriesAsync()).FirstOrDefault(c => c.Id == categoryId);
        if (old is null || !await store.DeleteCategoryAsync(categoryId)) return false;
        await AfterAsync(actor, "deleted category", old.Path, Describe(old));
        return true;
    }

    private static string Describe(Category c) =>
        $"{c.Field.Name()} ~ {c.Pattern}, {c.Colour ?? "parent's colour"}, score {Category.ScoreText(c.Score)}";

    private async Task AfterAsync(string actor, string action, string target, string detail)
    {
        await audit.WriteAsync(time.GetUtcNow(), actor, action, target, detail);
        await LoadAsync();
    }
}
