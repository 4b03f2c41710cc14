using Npgsql;
using Presently.Storage.Categories;

namespace Presently.Storage.Postgres;

/// <summary>Categories in PostgreSQL (<see cref="ICategoryStore"/>).</summary>
public sealed partial class PostgresAccounts : ICategoryStore
{
    private const string CategoryColumns = "id, path, pattern, field, colour, score";

    public async Task<IReadOnlyList<Category>> ListCategoriesAsync(CancellationToken ct = default) =>
        await QueryAsync($"SELECT {CategoryColumns} FROM categories ORDER BY position, id", ReadCategory, ct);

    public Task<Category?> CreateCategoryAsync(Category category, CancellationToken ct = default)
    {
        Check(category);
        return QuerySingleAsync($"""
            INSERT INTO categories(path, pattern, field, colour, score, position)
            VALUES ($1, $2, $3, $4, $5, (SELECT coalesce(max(position), 0) + 1 FROM categories))
            ON CONFLICT(path) DO NOTHING RETURNING {CategoryColumns}
            """, ReadCategory, ct, category.Path, category.Pattern, (int)category.Field, category.Colour, category.Score);
    }

    public async Task<bool> UpdateCategoryAsync(Category category, CancellationToken ct = default)
    {
        Check(category);
        try
        {
            return await ExecuteAsync("""
                UPDATE categories SET path = $2, pattern = $3, field = $4, colour = $5, score = $6
                WHERE id = $1 AND NOT EXISTS (SELECT 1 FROM categories WHERE path = $2 AND id != $1)
                """, ct, category.Id, category.Path, category.Pattern, (int)category.Field, category.Colour, category.Score) == 1;
        }
        catch (PostgresException ex) when (ex.SqlState == PostgresErrorCodes.UniqueViolation)
        {
            // Another admin took the path between the check and the write.
            return false;
        }
    }

    public async Task<bool> DeleteCategoryAsync(long categoryId, CancellationToken ct = default) =>
        await ExecuteAsync("DELETE FROM categories WHERE id = $1", ct, categoryId) == 1;

    public async Task<bool> SeedCategoriesAsync(IReadOnlyList<Category> defaults, CancellationToken ct = default)
    {
        foreach (var c in defaults) Check(c);
        await using var conn = await dataSource.OpenConnectionAsync(ct);
        await using var tx = await conn.BeginTransactionAsync(ct);
        // A second instance starting at once waits on the flag's row, then finds it there: one instance seeds.
        if (await ExecuteAsync(conn, tx, "INSERT INTO settings(key, value) VALUES ($1, $2) ON CONFLICT(key) DO NOTHING", ct,
                CategorySeeding.SettingKey, CategorySeeding.SettingValue) == 0)
            return false;
        foreach (var c in defaults)
            await ExecuteAsync(conn, tx, """
                INSERT INTO categories(path, pattern, field, colour, score, position)
                VALUES ($1, $2, $3, $4, $5, (SELECT coalesce(max(position), 0) + 1 FROM categories))
                ON CONFLICT(path) DO NOTHING
                """, ct, c.Path, c.Pattern, (int)c.Field, c.Colour, c.Score);
        await tx.CommitAsync(ct);
        return true;
    }

    private static void Check(Category category)
    {
        if (category.Problem() is { } problem) throw new ArgumentException(problem, nameof(category));
    }

    private static Category ReadCategory(NpgsqlDataReader r) =>
        new(r.GetInt64(0), r.GetString(1), r.GetString(2), (CategoryField)r.GetInt32(3), r.IsDBNull(4) ? null : r.GetString(4),
            Math.Clamp(r.GetInt32(5), Category.MinScore, Category.MaxScore));
}
