using Presently.Agent.Context;
using Presently.Agent.Sensors;
using Presently.Protocol;

namespace Presently.Tests.Context;

public class TitleEnricherTests
{
    [Theory]
    [InlineData("Pull requests · presently/presently - Google Chrome", "Pull requests · presently/presently")]
    [InlineData("Inbox (3) - ann@example.com - Gmail - Google Chrome - Work", "Inbox (3) - ann@example.com - Gmail")]
    [InlineData("Release notes — Mozilla Firefox", "Release notes")]
    [InlineData("Docs - Microsoft\u200b Edge", "Docs")]
    [InlineData("Wiki - Brave", "Wiki")]
    [InlineData("localhost:8080/board - Chromium", "localhost:8080/board")]
    [InlineData("Mozilla Firefox", null)]
    [InlineData("A title without a browser name", "A title without a browser name")]
    public void The_tab_is_the_title_without_the_browser(string title, string? tab) => Assert.Equal(tab, BrowserEnricher.Tab(title));

    [Theory]
    [InlineData("Never Gonna Give You Up - YouTube", "youtube.com")]
    [InlineData("Inbox (3) - ann@example.com - Gmail", "mail.google.com")]
    [InlineData("localhost:8080/board", "localhost")]
    [InlineData("www.example.org/path?q=1", "example.org")]
    [InlineData("Release notes", null)]
    [InlineData("Inbox", null)]
    public void The_site_is_named_when_the_title_tells_it(string tab, string? site) => Assert.Equal(site, BrowserEnricher.Site(tab));

    [Fact]
    public void The_browser_enricher_sets_tab_and_site_for_browsers_only()
    {
        var enricher = new BrowserEnricher();
        var chrome = new ForegroundSample("Google-chrome", "Trending - GitHub - Google Chrome", "chrome", null);
        Assert.True(enricher.Applies(chrome));
        Assert.False(enricher.Applies(new ForegroundSample("XTerm", "Trending - GitHub - Google Chrome", "xterm", null)));
        var facts = new ContextFacts();
        enricher.Enrich(chrome, facts, TimeSpan.FromSeconds(1));
        Assert.Equal(SpanContext.Of((ContextKeys.Tab, "Trending - GitHub"), (ContextKeys.Site, "github.com")), facts.ToContext());
    }

    [Theory]
    [InlineData("● Program.cs - presently - Visual Studio Code", "presently", "Program.cs")]
    [InlineData("README.md - notes [SSH: build-1] - Visual Studio Code", "notes [SSH: build-1]", "README.md")]
    [InlineData("presently - Visual Studio Code", "presently", null)]
    [InlineData("Welcome - Code - OSS", "Welcome", null)]
    [InlineData("", null, null)]
    public void VS_Code_titles_give_project_and_file(string title, string? project, string? file)
    {
        var (p, f) = EditorEnricher.FromVsCode(title);
        Assert.Equal(project, p);
        Assert.Equal(file, f);
    }

    [Theory]
    [InlineData("presently – Program.cs", "presently", "Program.cs")]
    [InlineData("presently [~/src/presently] – …/Agent/Program.cs", "presently", "…/Agent/Program.cs")]
    [InlineData("presently", "presently", null)]
    public void JetBrains_titles_give_project_and_file(string title, string project, string? file) =>
        Assert.Equal((project, file), EditorEnricher.FromJetBrains(title));

    [Fact]
    public void A_64_KB_title_gives_a_bounded_context()
    {
        var huge = string.Concat(Enumerable.Repeat("word - ", 64 * 1024 / 7));
        foreach (var (enricher, sample) in new (IContextEnricher, ForegroundSample)[]
        {
            (new BrowserEnricher(), new ForegroundSample("chromium", huge + " - Chromium", "chromium", null)),
            (new EditorEnricher(), new ForegroundSample("code", huge + " - Visual Studio Code", "code", null)),
            (new EditorEnricher(), new ForegroundSample("jetbrains-rider", huge + " – " + huge, "rider", null)),
        })
        {
            var facts = new ContextFacts();
            enricher.Enrich(sample, facts, TimeSpan.FromSeconds(1));
            var context = facts.ToContext();
            Assert.NotNull(context);
            Assert.All(context.Entries, e => Assert.True(e.Value.Length <= SpanContext.MaxValueLength));
            Assert.Null(context.Validate());
        }
    }

    [Fact]
    public void The_editor_enricher_knows_jetbrains_by_prefix_and_code_by_name()
    {
        var enricher = new EditorEnricher();
        Assert.True(enricher.Applies(new ForegroundSample("jetbrains-rider", "x – y", "rider", null)));
        Assert.True(enricher.Applies(new ForegroundSample("Code", "a - b - Visual Studio Code", "code", null)));
        Assert.False(enricher.Applies(new ForegroundSample("Firefox", "a - b", "firefox", null)));
        var facts = new ContextFacts();
        enricher.Enrich(new ForegroundSample("Code", "● main.rs - tracker - Visual Studio Code", "code", null), facts, TimeSpan.FromSeconds(1));
        Assert.Equal(SpanContext.Of((ContextKeys.Project, "tracker"), (ContextKeys.File, "main.rs")), facts.ToContext());
    }
}
