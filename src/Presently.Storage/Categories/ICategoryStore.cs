namespace Presently.Storage.Categories;

/// <summary>Categories in the order admins put them (which breaks ties between equally deep matches). Paths are unique.</summary>
public interface ICategoryStore
{
    /// <summary>Every category, in order.</summary>
    Task<IReadOnlyList<Category>> ListCategoriesAsync(CancellationToken ct = default);
    /// <summary>Stores the category after all others (its id is ignored); returns it with its id, or null when the path is taken.</summary>
    Task<Category?> CreateCategoryAsync(Category category, CancellationToken ct = default);
    /// <summary>Replaces the category of that id, keeping its place in the order. False when there is none or the path is taken.</summary>
    Task<bool> UpdateCategoryAsync(Category category, CancellationToken ct = default);
    /// <summary>Deletes the category; its children stay (they are matched by their own patterns).</summary>
    Task<bool> DeleteCategoryAsync(long categoryId, CancellationToken ct = default);
    /// <summary>
    /// Stores <paramref name="defaults"/> if this store was never seeded, and remembers it was, in one
    /// transaction: true for the one call that stored them. A store whose admins deleted every category stays empty.
    /// </summary>
    Task<bool> SeedCategoriesAsync(IReadOnlyList<Category> defaults, CancellationToken ct = default);
}
