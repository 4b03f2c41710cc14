using System.Text.RegularExpressions;
using System.Diagnostics;
using Presently.Protocol;
using Presently.Storage.Categories;

namespace Presently.Tests.Storage;

/// <summary>Which category a span is in: the deepest match wins, then the earlier one; checked once, in <see cref="Category.Problem()"/>.</summary>
public sealed class CategoryRulesTests
{
    private static Category C(string path, string pattern, CategoryField field = CategoryField.Any, string? colour = null, int score = 0) =>
        new(0, path, pattern, field, colour, score);

    [Fact]
    public void The_deepest_matching_category_wins_whatever_its_place_in_the_list()
    {
        var rules = new CategoryRules([C("Work", "code|slack"), C("Work/Coding", "code|rider|vim"), C("Work/Coding/Rust", "\\.rs\\b")]);
        Assert.Equal("Work/Coding", rules.Classify("code", "main.cs — project"));
        Assert.Equal("Work/Coding/Rust", rules.Classify("code", "main.rs — project"));
        Assert.Equal("Work", rules.Classify("Slack", "general"));
        Assert.Null(rules.Classify("firefox", "news"));
    }

    [Fact]
    public void Equally_deep_matches_go_to_the_earlier_category()
    {
        var first = new CategoryRules([C("Work/Chat", "slack"), C("Work/Meetings", "huddle")]);
        var second = new CategoryRules([C("Work/Meetings", "huddle"), C("Work/Chat", "slack")]);
        Assert.Equal("Work/Chat", first.Classify("Slack", "Huddle with Ann"));
        Assert.Equal("Work/Meetings", second.Classify("Slack", "Huddle with Ann"));
    }

    [Fact]
    public void Matching_ignores_case()
    {
        var rules = new CategoryRules([C("Work/Coding", "Visual Studio|VIM")]);
        Assert.Equal("Work/Coding", rules.Classify("VISUAL STUDIO CODE", null));
        Assert.Equal("Work/Coding", rules.Classify("nvim", null));
    }

    [Fact]
    public void A_rule_matches_only_the_field_it_names()
    {
        var rules = new CategoryRules([
            C("Apps", "^firefox$", CategoryField.App),
            C("Media/Video", "youtube", CategoryField.Title),
            C("Media/Music", "spotify", CategoryField.Context),
        ]);
        Assert.Equal("Apps", rules.Classify("firefox", "spotify", ["youtube"]));
        Assert.Null(rules.Classify("youtube", "nothing", ["firefox"]));
        Assert.Equal("Media/Video", rules.Classify("firefox", "YouTube — Firefox"));
        Assert.Equal("Media/Music", rules.Classify("player", "spotify", ["Spotify"]));
        Assert.Null(rules.Classify("spotify", "spotify", ["other"]));
    }

    [Fact]
    public void Context_values_are_matched_and_a_span_context_is_taken_as_they_are()
    {
        var rules = new CategoryRules([C("Work/Coding", "^(cargo|dotnet)\\b"), C("Social", "reddit\\.com", CategoryField.Context)]);
        var context = SpanContext.Of((ContextKeys.Command, "dotnet test"), (ContextKeys.Site, "www.reddit.com"));
        Assert.Equal("Work/Coding", rules.Classify("kitty", "~/src", context));
        Assert.Equal("Social", rules.Classify("firefox", "front page", SpanContext.Of((ContextKeys.Site, "old.reddit.com"))));
        Assert.Null(rules.Classify("firefox", "front page", (SpanContext?)null));
    }

    [Fact]
    public void A_parent_without_a_pattern_matches_nothing_and_lends_its_colour_and_score()
    {
        var rules = new CategoryRules([C("Work", "", colour: "#112233", score: 1), C("Work/Coding", "vim", score: 2), C("Work/Docs", "writer", colour: "#445566")]);
        Assert.Null(rules.Classify("Work", "Work", ["work"]));
        Assert.Equal("#112233", rules.Colour("Work/Coding"));
        Assert.Equal("#445566", rules.Colour("Work/Docs"));
        Assert.Equal(CategoryRules.DefaultColour, rules.Colour(null));
        Assert.Equal(CategoryRules.DefaultColour, rules.Colour("Games"));
        Assert.Equal(2, rules.Score("Work/Coding"));
        Assert.Equal(1, rules.Score("Work/Unlisted"));
        Assert.Equal(0, rules.Score(null));
    }

    [Fact]
    public void Cached_answers_are_the_answers_and_the_cache_stays_bounded()
    {
        var rules = new CategoryRules(DefaultCategories.All);
        var fresh = new CategoryRules(DefaultCategories.All);
        string[] apps = ["code", "slack", "firefox", "steam", "kitty", null!];
        // Parts that would run together if the key were plain concatenation.
        Assert.NotEqual(rules.Classify("sla", "ck"), rules.Classify("slack", ""));
        for (var i = 0; i < 3; i++)
            foreach (var app in apps)
                Assert.Equal(fresh.Classify(app, "t"), rules.Classify(app, "t"));

        Parallel.For(0, CategoryRules.MaxCached * 2, i =>
            Assert.Equal(i % 7 == 0 ? "Communication/Chat" : null, rules.Classify(i % 7 == 0 ? "slack" : "app", "title " + i)));
        Assert.InRange(rules.CachedCount, 1, CategoryRules.MaxCached);
    }

    [Fact]
    public void The_fingerprint_follows_paths_fields_patterns_and_order_but_not_colours_or_scores()
    {
        var a = new CategoryRules([C("A", "x"), C("B", "y")]);
        Assert.Equal(a.Fingerprint, new CategoryRules([C("A", "x", colour: "#000000", score: 2), C("B", "y")]).Fingerprint);
        Assert.NotEqual(a.Fingerprint, new CategoryRules([C("B", "y"), C("A", "x")]).Fingerprint);
        Assert.NotEqual(a.Fingerprint, new CategoryRules([C("A", "x", CategoryField.Title), C("B", "y")]).Fingerprint);
        Assert.NotEqual(a.Fingerprint, new CategoryRules([C("A", "xy"), C("B", "")]).Fingerprint);
        Assert.Matches("^[0-9a-f]{64}$", a.Fingerprint);
    }

    [Theory]
    [InlineData("Work/Coding", "code|rider", "#1f77b4", 2, null)]
    [InlineData("Work", "", null, 0, null)]
    [InlineData("", "x", null, 0, "Name the category.")]
    [InlineData("Work//Coding", "x", null, 0, "Each level")]
    [InlineData("/Work", "x", null, 0, "Each level")]
    [InlineData("A/B/C/D/E", "x", null, 0, "at most 4 levels")]
    [InlineData("Work/Cod\ning", "x", null, 0, "one line")]
    [InlineData("Work\t", "x", null, 0, "one line")]
    [InlineData("Work", "(unclosed", null, 0, "not a regular expression")]
    [InlineData("Work", "(a)\\1", null, 0, "linear time")]
    [InlineData("Work", "x", "blue", 0, "#rrggbb")]
    [InlineData("Work", "x", "#12345g", 0, "#rrggbb")]
    [InlineData("Work", "x", null, 3, "from -2 to +2")]
    [InlineData("Work", "x", null, -3, "from -2 to +2")]
    public void Problem_says_in_one_line_what_is_wrong(string path, string pattern, string? colour, int score, string? expected)
    {
        var problem = Category.Problem(path, pattern, CategoryField.Any, colour, score);
        if (expected is null) Assert.Null(problem);
        else
        {
            Assert.NotNull(problem);
            Assert.Contains(expected, problem);
            Assert.DoesNotContain('\n', problem);
        }
    }

    [Fact]
    public void Problem_bounds_names_and_patterns()
    {
        Assert.Null(Category.Problem(new string('a', Category.MaxSegmentLength), "x", CategoryField.Any, null, 0));
        Assert.Contains("64 characters", Category.Problem(new string('a', Category.MaxSegmentLength + 1), "x", CategoryField.Any, null, 0));
        Assert.Contains("500 characters", Category.Problem("Work", new string('a', Category.MaxPatternLength + 1), CategoryField.Any, null, 0));
        Assert.NotNull(Category.Problem("Work", "x", (CategoryField)9, null, 0));
        Assert.Equal("Work/Coding", Category.Tidy(0, " Work / Coding ", null, CategoryField.Any, " #ABCDEF ", 0).Path);
        Assert.Equal("#abcdef", Category.Tidy(0, "Work", null, CategoryField.Any, " #ABCDEF ", 0).Colour);
        Assert.Null(Category.Tidy(0, "Work", null, CategoryField.Any, " ", 0).Colour);
    }

    [Fact]
    public void A_catastrophic_pattern_on_a_long_title_answers_at_once()
    {
        // With backtracking, (a+)+$ on a run of a's followed by a mismatch takes exponential time.
        var rules = new CategoryRules([C("Bad", "(a+)+$", CategoryField.Title), C("Worse", "^(a|aa)+$|(a*)*b")]);
        var title = new string('a', 10_000) + "!";
        var clock = Stopwatch.StartNew();
        Assert.Null(rules.Classify("app", title));
        Assert.Null(rules.Classify("app", "x" + title, [title]));
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(2), $"took {clock.Elapsed.TotalMilliseconds:0} ms");
    }

    [Fact]
    public void A_pattern_over_its_backtracking_budget_moves_to_the_linear_engine_and_answers_the_same()
    {
        var pattern = CategoryPattern.TryCompile("(a+)+$")!;
        Assert.True(pattern.IsMatch("aaa"));
        Assert.False(pattern.IsLinear);
        var title = new string('a', 10_000) + "!";
        Assert.False(pattern.IsMatch(title));
        Assert.True(pattern.IsLinear);
        Assert.True(pattern.IsMatch("xaaa"));
        Assert.False(pattern.IsMatch("aaa!"));
    }

    [Fact]
    public void Both_engines_give_the_same_answer_on_drawn_titles()
    {
        string[] patterns = [.. DefaultCategories.All.Select(c => c.Pattern).Where(p => p.Length > 0),
            @"^\w+$", @"(code|vim)\s*[—-]\s*\w+", @"\d{2,}", "é|ß|日本", @"\bword\b", "^$"];
        string[] words = ["code", "vim", "Slack", "huddle", "YouTube", "x.com", "—", "-", " ", "", "日本語", "straße", "ÉCOLE", "42", "word", "words", "Disney+", "\t"];
        var compiled = patterns.Select(p => (Pattern: p, Linear: new Regex(p, Category.LinearPatternOptions), Budgeted: CategoryPattern.TryCompile(p)!)).ToArray();
        var random = new Random(11);
        foreach (var text in Enumerable.Range(0, 2_000).Select(_ => string.Concat(random.GetItems(words, random.Next(0, 6)))))
        foreach (var (p, linear, budgeted) in compiled)
            Assert.True(linear.IsMatch(text) == budgeted.IsMatch(text), $"{p} on \"{text}\"");
    }

    [Fact]
    public void A_compiled_set_holds_little_memory()
    {
        // The linear engine alone allocated about 34 MB (and kept 17.5 MB) for the default set; a few sets alive cost a server 50 MB.
        var before = GC.GetAllocatedBytesForCurrentThread();
        var rules = new CategoryRules(DefaultCategories.All);
        Assert.Equal("Work/Coding", rules.Classify("code", "x"));
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.True(allocated < 4_000_000, $"compiling and using the default set allocated {allocated / 1e6:0.0} MB");
    }

    [Fact]
    public void Patterns_that_do_not_compile_are_skipped_not_fatal()
    {
        // A row edited by hand, past Problem: the others still work.
        var rules = new CategoryRules([C("Broken", "(", score: 1), C("Good", "vim")]);
        Assert.Equal("Good", rules.Classify("vim", null));
        Assert.Equal(1, rules.Score("Broken"));
    }

    [Fact]
    public void The_default_categories_are_valid_and_sort_common_apps()
    {
        Assert.All(DefaultCategories.All, c => Assert.Null(c.Problem()));
        Assert.Equal(DefaultCategories.All.Count, DefaultCategories.All.Select(c => c.Path).Distinct().Count());
        var rules = new CategoryRules(DefaultCategories.All);
        (string App, string Title, string? Expected)[] cases =
        [
            ("code", "Program.cs — presently", "Work/Coding"),
            ("jetbrains-rider", "Presently", "Work/Coding"),
            ("nvim", "", "Work/Coding"),
            ("kitty", "~", "Work/Terminal"),
            ("Slack", "general", "Communication/Chat"),
            ("Slack", "Huddle with Ann", "Communication/Meetings"),
            ("zoom", "Zoom Meeting", "Communication/Meetings"),
            ("thunderbird", "Inbox", "Communication/Email"),
            ("firefox", "YouTube — Mozilla Firefox", "Media/Video"),
            ("spotify", "Spotify Premium", "Media/Music"),
            ("steam", "Library", "Games"),
            ("firefox", "reddit: the front page", "Social"),
            ("firefox", "Barcode generator", null),
            ("nautilus", "Home", null),
        ];
        foreach (var (app, title, expected) in cases)
            Assert.True(expected == rules.Classify(app, title), $"{app} / {title}: expected {expected ?? "none"}, got {rules.Classify(app, title) ?? "none"}");
    }
}
