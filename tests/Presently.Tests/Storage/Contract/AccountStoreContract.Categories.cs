using Presently.Storage.Categories;

namespace Presently.Tests.Storage.Contract;

/// <summary>Categories: kept in order, paths unique, checked by <see cref="Category.Problem()"/>, the defaults stored once.</summary>
public abstract partial class AccountStoreContract
{
    /// <summary>Every account store keeps categories too.</summary>
    private ICategoryStore Categories => (ICategoryStore)_accounts;

    private static Category Cat(string path, string pattern = "", CategoryField field = CategoryField.Any, string? colour = null, int score = 0) =>
        new(0, path, pattern, field, colour, score);

    [Fact]
    public async Task Categories_are_listed_in_the_order_they_were_added_with_every_field_kept()
    {
        Assert.Empty(await Categories.ListCategoriesAsync());
        var coding = await Categories.CreateCategoryAsync(Cat("Work/Coding", "code|rider|vim", CategoryField.App, "#1565c0", 2));
        var work = await Categories.CreateCategoryAsync(Cat("Work", colour: "#2e7d32", score: 1));
        var games = await Categories.CreateCategoryAsync(Cat("Games", "steam", CategoryField.Context, null, -2));
        Assert.NotNull(coding);
        Assert.NotNull(work);
        Assert.NotNull(games);
        Assert.Equal(Cat("Work/Coding", "code|rider|vim", CategoryField.App, "#1565c0", 2) with { Id = coding!.Id }, coding);

        var list = await Categories.ListCategoriesAsync();
        Assert.Equal([coding, work!, games!], list);
        Assert.Equal(3, list.Select(c => c.Id).Distinct().Count());
    }

    [Fact]
    public async Task Categories_have_unique_paths_on_create_and_on_update()
    {
        var a = (await Categories.CreateCategoryAsync(Cat("Work/Coding", "vim")))!;
        var b = (await Categories.CreateCategoryAsync(Cat("Work/Docs", "writer")))!;
        Assert.Null(await Categories.CreateCategoryAsync(Cat("Work/Coding", "emacs")));
        Assert.False(await Categories.UpdateCategoryAsync(b with { Path = "Work/Coding" }));
        Assert.False(await Categories.UpdateCategoryAsync(b with { Id = 9999, Path = "Nowhere" }));
        // Paths compare exactly, as they are shown.
        Assert.NotNull(await Categories.CreateCategoryAsync(Cat("work/coding")));
        Assert.Equal(["Work/Coding", "Work/Docs", "work/coding"], (await Categories.ListCategoriesAsync()).Select(c => c.Path));
        Assert.Equal("vim", (await Categories.ListCategoriesAsync())[0].Pattern);
        Assert.Equal(a, (await Categories.ListCategoriesAsync())[0]);
    }

    [Fact]
    public async Task Categories_are_updated_in_place_and_deleted_one_by_one()
    {
        var a = (await Categories.CreateCategoryAsync(Cat("A", "x")))!;
        var b = (await Categories.CreateCategoryAsync(Cat("B", "y")))!;
        var c = (await Categories.CreateCategoryAsync(Cat("C", "z")))!;
        var changed = new Category(a.Id, "Z/A", "x|w", CategoryField.Title, "#abcdef", -1);
        Assert.True(await Categories.UpdateCategoryAsync(changed));
        // Unchanged is still found.
        Assert.True(await Categories.UpdateCategoryAsync(changed));
        Assert.Equal([changed, b, c], await Categories.ListCategoriesAsync());

        Assert.True(await Categories.DeleteCategoryAsync(b.Id));
        Assert.False(await Categories.DeleteCategoryAsync(b.Id));
        var d = (await Categories.CreateCategoryAsync(Cat("D")))!;
        Assert.Equal([changed, c, d], await Categories.ListCategoriesAsync());
    }

    [Fact]
    public async Task Categories_that_Problem_refuses_are_not_stored()
    {
        await Assert.ThrowsAsync<ArgumentException>(() => Categories.CreateCategoryAsync(Cat("Bad", "(unclosed")));
        await Assert.ThrowsAsync<ArgumentException>(() => Categories.CreateCategoryAsync(Cat("A/B/C/D/E")));
        var ok = (await Categories.CreateCategoryAsync(Cat("Ok", "x")))!;
        await Assert.ThrowsAsync<ArgumentException>(() => Categories.UpdateCategoryAsync(ok with { Score = 5 }));
        await Assert.ThrowsAsync<ArgumentException>(() => Categories.UpdateCategoryAsync(ok with { Colour = "red" }));
        Assert.Equal([ok], await Categories.ListCategoriesAsync());
    }

    [Fact]
    public async Task Categories_default_set_is_stored_once_and_not_again_after_every_one_is_deleted()
    {
        Assert.True(await Categories.SeedCategoriesAsync(DefaultCategories.All));
        var seeded = await Categories.ListCategoriesAsync();
        Assert.Equal(DefaultCategories.All, seeded.Select(c => c with { Id = 0 }));

        Assert.False(await Categories.SeedCategoriesAsync(DefaultCategories.All));
        Assert.Equal(seeded, await Categories.ListCategoriesAsync());

        foreach (var c in seeded) Assert.True(await Categories.DeleteCategoryAsync(c.Id));
        Assert.False(await Categories.SeedCategoriesAsync(DefaultCategories.All));
        Assert.Empty(await Categories.ListCategoriesAsync());
    }

    [Fact]
    public async Task Categories_seeded_by_servers_starting_at_once_are_stored_once()
    {
        var results = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => Task.Run(() => Categories.SeedCategoriesAsync(DefaultCategories.All))));
        Assert.Single(results, r => r);
        Assert.Equal(DefaultCategories.All.Count, (await Categories.ListCategoriesAsync()).Count);
    }

    [Fact]
    public async Task Categories_keep_names_in_any_script_as_written()
    {
        var c = (await Categories.CreateCategoryAsync(Cat("Arbeit/Übersetzung › 翻訳", "déjà|über")))!;
        Assert.Equal("Arbeit/Übersetzung › 翻訳", Assert.Single(await Categories.ListCategoriesAsync()).Path);
        Assert.Equal("déjà|über", c.Pattern);
    }
}
