using System.Globalization;
using Microsoft.AspNetCore.Mvc;
using Presently.Server.Auth;
using Presently.Storage.Categories;
using static Presently.Server.Html.Html;

namespace Presently.Server.Categories;

/// <summary>The admins' categories page: list, add, change and delete.</summary>
public static class CategoryEndpoints
{
    public static IEndpointRouteBuilder MapCategories(this IEndpointRouteBuilder app)
    {
        var admin = app.MapGroup("/admin").RequireAuthorization(Policies.Admin);

        admin.MapGet("/categories", async (ICategoryStore store, CategoryCatalog catalog) => await PageAsync(store, catalog, null));

        admin.MapPost("/categories", async (HttpContext ctx, [FromForm] CategoryForm form, CategoryCatalog catalog, ICategoryStore store) =>
            await DoneAsync(store, catalog, form.Problem() ?? await catalog.CreateAsync(ctx.User.PersonName(), form.ToCategory(0))));

        admin.MapPost("/categories/{id:long}", async (HttpContext ctx, long id, [FromForm] CategoryForm form, CategoryCatalog catalog, ICategoryStore store) =>
            await DoneAsync(store, catalog, form.Problem() ?? await catalog.UpdateAsync(ctx.User.PersonName(), form.ToCategory(id))));

        admin.MapPost("/categories/{id:long}/delete", async (HttpContext ctx, long id, CategoryCatalog catalog) =>
            await catalog.DeleteAsync(ctx.User.PersonName(), id) ? Results.LocalRedirect("/admin/categories") : Results.NotFound());

        return app;
    }

    private static async Task<IResult> DoneAsync(ICategoryStore store, CategoryCatalog catalog, string? problem) =>
        problem is null ? Results.LocalRedirect("/admin/categories") : await PageAsync(store, catalog, problem);

    private static async Task<IResult> PageAsync(ICategoryStore store, CategoryCatalog catalog, string? problem) =>
        Page<CategoriesPage>(new { Categories = await store.ListCategoriesAsync(), catalog.Rules, Problem = problem },
            problem is null ? StatusCodes.Status200OK : StatusCodes.Status400BadRequest);
}

/// <summary>A category as the page's forms post it.</summary>
public sealed class CategoryForm
{
    public string? Path { get; set; }
    public string? Pattern { get; set; }
    public string? Field { get; set; }
    public string? Colour { get; set; }
    public string? Score { get; set; }

    /// <summary>What the form itself got wrong (a field or score no form offers); the category's own checks follow in <see cref="Category.Problem()"/>.</summary>
    public string? Problem() =>
        CategoryFieldNames.Parse(Field) is null ? "Match the app, the title, the context or any of them."
        : ParsedScore is null ? $"A score is a whole number from {Category.MinScore} to +{Category.MaxScore}."
        : null;

    public Category ToCategory(long id) => Category.Tidy(id, Path, Pattern, CategoryFieldNames.Parse(Field) ?? CategoryField.Any, Colour, ParsedScore ?? 0);

    private int? ParsedScore =>
        int.TryParse(Score?.Trim().Replace('−', '-'), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var s) ? s : null;
}
