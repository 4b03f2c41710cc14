using System.Net;
using System.Text.RegularExpressions;
using Microsoft.Extensions.DependencyInjection;
using Presently.Server.Categories;
using Presently.Storage.Categories;
using Presently.Tests.Fixtures;

namespace Presently.Tests.Server;

/// <summary>Admins add, change and delete categories on /admin/categories; the rules in force follow at once.</summary>
public sealed partial class CategoryPageTests
{
    private const string Page = "/admin/categories";

    private static string Id(long id) => id.ToString(System.Globalization.CultureInfo.InvariantCulture);

    [Fact]
    public async Task Categories_added_changed_and_deleted_on_the_page_are_in_force_at_once_and_audited()
    {
        await using var server = await ServerHost.StartAsync();
        var catalog = server.Services.GetRequiredService<CategoryCatalog>();
        var store = server.Services.GetRequiredService<ICategoryStore>();
        var changes = 0;
        catalog.Changed += (_, _) => Interlocked.Increment(ref changes);

        var response = await server.Admin.PostFormAsync(Page, Page, new()
        {
            ["path"] = " Fun / Puzzles <b> ", ["field"] = "title", ["pattern"] = "sudoku|chess", ["colour"] = "#A1B2C3", ["score"] = "-1",
        });
        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.Equal(Page, response.Headers.Location?.OriginalString);
        var html = await server.Http.GetStringAsync(Page);
        Assert.Contains("<td>Fun › Puzzles &lt;b&gt;</td>", html);
        Assert.Contains("<code>sudoku|chess</code>", html);
        Assert.Contains("fill=\"#a1b2c3\"", html);
        Assert.Contains("<td>−1</td>", html);
        Assert.Equal("Fun/Puzzles <b>", catalog.Rules.Classify("lichess", "Chess — play online"));
        Assert.Null(catalog.Rules.Classify("chess", "board"));
        Assert.Equal(1, changes);

        var added = (await store.ListCategoriesAsync()).Single(c => c.Path == "Fun/Puzzles <b>");
        response = await server.Admin.PostFormAsync(Page, $"{Page}/{Id(added.Id)}", new()
        {
            ["path"] = "Fun/Puzzles", ["field"] = "any", ["pattern"] = "chess", ["colour"] = "", ["score"] = "0",
        });
        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.Equal(added with { Path = "Fun/Puzzles", Field = CategoryField.Any, Pattern = "chess", Colour = null, Score = 0 },
            (await store.ListCategoriesAsync()).Single(c => c.Id == added.Id));
        Assert.Equal("Fun/Puzzles", catalog.Rules.Classify("chess", "board"));
        Assert.Equal(2, changes);

        response = await server.Admin.PostFormAsync(Page, $"{Page}/{Id(added.Id)}/delete", []);
        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.DoesNotContain("Puzzles", await server.Http.GetStringAsync(Page));
        Assert.Null(catalog.Rules.Classify("chess", "board"));
        Assert.Equal(HttpStatusCode.NotFound, (await server.Admin.PostFormAsync(Page, $"{Page}/{Id(added.Id)}/delete", [])).StatusCode);
        Assert.Equal(3, changes);

        var audit = await server.Http.GetStringAsync("/admin/audit");
        Assert.Contains("created category", audit);
        Assert.Contains("changed category", audit);
        Assert.Contains("deleted category", audit);
    }

    [Theory]
    [InlineData("Bad", "(unclosed", "any", "", "0", "The pattern is not a regular expression")]
    [InlineData("Bad", "(a)\\1", "any", "", "0", "linear time")]
    [InlineData("A/B/C/D/E", "x", "any", "", "0", "at most 4 levels")]
    [InlineData("Bad", "x", "any", "red", "0", "#rrggbb")]
    [InlineData("Bad", "x", "any", "", "7", "A score is a whole number")]
    [InlineData("Bad", "x", "2", "", "0", "Match the app, the title")]
    [InlineData("Work/Coding", "x", "any", "", "0", "There is a category Work › Coding already.")]
    public async Task Bad_input_is_refused_with_a_one_line_problem_and_nothing_is_stored(string path, string pattern, string field, string colour, string score, string problem)
    {
        await using var server = await ServerHost.StartAsync();
        var before = await server.Services.GetRequiredService<ICategoryStore>().ListCategoriesAsync();
        var response = await server.Admin.PostFormAsync(Page, Page, new() { ["path"] = path, ["pattern"] = pattern, ["field"] = field, ["colour"] = colour, ["score"] = score });
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var shown = ProblemLine().Match(await response.Content.ReadAsStringAsync());
        Assert.True(shown.Success, "no problem shown");
        Assert.Contains(WebUtility.HtmlEncode(problem), shown.Groups[1].Value);
        Assert.DoesNotContain('\n', shown.Groups[1].Value);
        Assert.Equal(before, await server.Services.GetRequiredService<ICategoryStore>().ListCategoriesAsync());
    }

    [Fact]
    public async Task Categories_a_fresh_server_starts_with_are_the_defaults_and_once_deleted_stay_deleted_after_a_restart()
    {
        using var dir = new TempDirectory();
        await using (var server = await ServerHost.StartAsync(dir.Path))
        {
            var html = await server.Http.GetStringAsync(Page);
            foreach (var c in DefaultCategories.All) Assert.Contains($"<td>{WebUtility.HtmlEncode(c.DisplayPath)}</td>", html);
            Assert.Equal(DefaultCategories.All.Count, server.Services.GetRequiredService<CategoryCatalog>().Rules.Categories.Count);

            foreach (var c in await server.Services.GetRequiredService<ICategoryStore>().ListCategoriesAsync())
                Assert.Equal(HttpStatusCode.Redirect, (await server.Admin.PostFormAsync(Page, $"{Page}/{Id(c.Id)}/delete", [])).StatusCode);
            Assert.DoesNotContain("data-category=", await server.Http.GetStringAsync(Page));
        }
        await using (var again = await ServerHost.StartAsync(dir.Path))
        {
            Assert.Empty(again.Services.GetRequiredService<CategoryCatalog>().Rules.Categories);
            Assert.DoesNotContain("data-category=", await again.Http.GetStringAsync(Page));
            Assert.Null(again.Services.GetRequiredService<CategoryCatalog>().Rules.Classify("code", "Program.cs"));
        }
    }

    [Fact]
    public async Task Categories_page_is_linked_from_the_admin_nav()
    {
        await using var server = await ServerHost.StartAsync();
        Assert.Contains("<a href=\"/admin/categories\">Categories</a>", await server.Http.GetStringAsync("/admin/teams"));
    }

    [GeneratedRegex("<p class=\"error\" id=\"problem\">([^<]*)</p>")]
    private static partial Regex ProblemLine();
}
