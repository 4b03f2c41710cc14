using Microsoft.Data.Sqlite;
using Presently.Storage.Categories;

namespace Presently.Storage.Sqlite;

/// <summary>Categories in the SQLite file (<see cref="ICategoryStore"/>).</summary>
public sealed partial class SqliteAccounts : ICategoryStore
{
    private const string CategoryColumns = "id, path, pattern, field, colour, score";

    public async Task<IReadOnlyList<Category>> ListCategoriesAsync(CancellationToken ct = default) =>
        await QueryAsync($"SELECT {CategoryColumns} FROM categories ORDER BY position, id", ReadCategory, ct);

    public Task<Category?> CreateCategoryAsync(Category category, CancellationToken ct = default)
    {
        Check(category);
        return QuerySingleAsync($"""
            INSERT INTO categories(path, pattern, field, colour, score, position)
            VALUES ($p0, $p1, $p2, $p3, $p4, (SELECT coalesce(max(position), 0) + 1 FROM categories))
            ON CONFLICT(path) DO NOTHING RETURNING {CategoryColumns}
            """, ReadCategory, ct, category.Path, category.Pattern, (int)category.Field, category.Colour, category.Score);
    }

    public async Task<bool> UpdateCategoryAsync(Category category, CancellationToken ct = default)
    {
        Check(category);
        return await ExecuteAsync("""
            UPDATE categories SET path = $p1, pattern = $p2, field = $p3, colour = $p4, score = $p5
            WHERE id = $p0 AND NOT EXISTS (SELECT 1 FROM categories WHERE path = $p1 AND id != $p0)
            """, ct, category.Id, category.Path, category.Pattern, (int)category.Field, category.Colour, category.Score) == 1;
    }

    public async Task<bool> DeleteCategoryAsync(long categoryId, CancellationToken ct = default) =>
        await ExecuteAsync("DELETE FROM categories WHERE id = $p0", ct, categoryId) == 1;

    public async Task<bool> SeedCategoriesAsync(IReadOnlyList<Category> defaults, CancellationToken ct = default)
    {
        foreach (var c in defaults) Check(c);
        await using var conn = await OpenAsync(ct);
        await using var tx = (SqliteTransaction)await conn.BeginTransactionAsync(ct);
        // The flag is written first, which takes the file's write lock: of two servers starting at once, one seeds.
        if (await ExecuteAsync(conn, tx, "INSERT INTO settings(key, value) VALUES ($p0, $p1) ON CONFLICT(key) DO NOTHING", ct,
                CategorySeeding.SettingKey, CategorySeeding.SettingValue) == 0)
            return false;
        foreach (var c in defaults)
            await ExecuteAsync(conn, tx, """
                INSERT INTO categories(path, pattern, field, colour, score, position)
                VALUES ($p0, $p1, $p2, $p3, $p4, (SELECT coalesce(max(position), 0) + 1 FROM categories))
                ON CONFLICT(path) DO NOTHING
                """, ct, c.Path, c.Pattern, (int)c.Field, c.Colour, c.Score);
        await tx.CommitAsync(ct);
        return true;
    }

    private static void Check(Category category)
    {
        if (category.Problem() is { } problem) throw new ArgumentException(problem, nameof(category));
    }

    private static Category ReadCategory(SqliteDataReader r) =>
        new(r.GetInt64(0), r.GetString(1), r.GetString(2), (CategoryField)r.GetInt32(3), r.IsDBNull(4) ? null : r.GetString(4),
            Math.Clamp(r.GetInt32(5), Category.MinScore, Category.MaxScore));
}
