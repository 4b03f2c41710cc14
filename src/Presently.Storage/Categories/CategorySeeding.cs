namespace Presently.Storage.Categories;

/// <summary>The setting that records a store got <see cref="DefaultCategories"/> once (<see cref="ICategoryStore.SeedCategoriesAsync"/>).</summary>
public static class CategorySeeding
{
    public const string SettingKey = "categories.seeded";
    public const string SettingValue = "1";
}
