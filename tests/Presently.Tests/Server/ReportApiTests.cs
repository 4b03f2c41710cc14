using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Presently.Protocol;
using Presently.Storage;
using Presently.Tests.Fixtures;

namespace Presently.Tests.Server;

public sealed class ReportApiTests : IAsyncLifetime
{
    private ServerHost _server = null!;

    public async ValueTask InitializeAsync()
    {
        _server = await ServerHost.StartAsync();
        var t = new DateTimeOffset(2026, 11, 28, 22, 30, 0, TimeSpan.Zero); // 23:30 in Berlin
        await _server.Store.RegisterAgentAsync(new AgentRegistration("a1", "ann", "h", "Linux", "1", [], t, 0), sharedCredential: true);
        await _server.Store.CommitAsync([new IngestBatch("a1", [
            new SpanRecord(1, 1, t.ToUnixTimeMilliseconds(), t.AddHours(1).ToUnixTimeMilliseconds(), SpanState.Active, "vim", "<b>x</b>", null),
            new SpanRecord(2, 2, t.AddHours(1).ToUnixTimeMilliseconds(), t.AddHours(2).ToUnixTimeMilliseconds(), SpanState.Idle, "vim", null, null),
        ])]);
    }

    public async ValueTask DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public async Task Groups_by_person_and_app_in_the_viewers_time_zone()
    {
        // 2026-11-29 in Berlin starts at 23:00 UTC on the 28th: 30 of the 60 active minutes fall in it.
        var json = await _server.Http.GetFromJsonAsync<JsonElement>("/api/v1/report?from=2026-11-29&to=2026-11-30&groupBy=person,app&tz=Europe/Berlin");
        var row = Assert.Single(json.GetProperty("rows").EnumerateArray());
        Assert.Equal(("ann", "vim", 1800.0), (row.GetProperty("person").GetString(), row.GetProperty("app").GetString(), row.GetProperty("seconds").GetDouble()));
        Assert.Equal(1800.0, json.GetProperty("totalSeconds").GetDouble());
    }

    [Fact]
    public async Task Idle_time_is_not_counted_and_days_split_at_local_midnight()
    {
        var json = await _server.Http.GetFromJsonAsync<JsonElement>("/api/v1/report?from=2026-11-28T00:00:00Z&to=2026-12-01T00:00:00Z&groupBy=day&tz=Europe/Berlin");
        var days = json.GetProperty("rows").EnumerateArray().ToDictionary(r => r.GetProperty("day").GetString()!, r => r.GetProperty("seconds").GetDouble());
        Assert.Equal(new Dictionary<string, double> { ["2026-11-28"] = 1800, ["2026-11-29"] = 1800 }, days);
    }

    [Fact]
    public async Task Groups_by_app_and_site_and_by_project_with_spans_lacking_the_key_under_none()
    {
        var t = new DateTimeOffset(2026, 11, 27, 9, 0, 0, TimeSpan.Zero);
        long Ms(int minutes) => t.AddMinutes(minutes).ToUnixTimeMilliseconds();
        await _server.Store.CommitAsync([new IngestBatch("a1", [
            new SpanRecord(10, 10, Ms(0), Ms(30), SpanState.Active, "Chromium", "PRs - GitHub - Chromium", SpanContext.Of(("tab", "PRs - GitHub"), ("site", "github.com"))),
            new SpanRecord(11, 11, Ms(30), Ms(40), SpanState.Active, "Chromium", "Docs - Chromium", SpanContext.Of(("tab", "Docs"))),
            new SpanRecord(12, 12, Ms(40), Ms(60), SpanState.Active, "Chromium", "Issues - GitHub - Chromium", SpanContext.Of(("tab", "Issues - GitHub"), ("site", "github.com"))),
            new SpanRecord(13, 13, Ms(60), Ms(90), SpanState.Active, "Code", "a.cs - presently - Visual Studio Code", SpanContext.Of(("project", "presently"), ("file", "a.cs"))),
        ])]);
        var bySite = await _server.Http.GetFromJsonAsync<JsonElement>("/api/v1/report?from=2026-11-27&to=2026-11-28&groupBy=app,site");
        var rows = bySite.GetProperty("rows").EnumerateArray().Select(r => (r.GetProperty("app").GetString(), r.GetProperty("site").GetString(), r.GetProperty("seconds").GetDouble())).ToList();
        Assert.Equal([("Chromium", "github.com", 3000.0), ("Code", "(none)", 1800.0), ("Chromium", "(none)", 600.0)], rows);
        var byProject = await _server.Http.GetFromJsonAsync<JsonElement>("/api/v1/report?from=2026-11-27&to=2026-11-28&groupBy=project");
        Assert.Equal([("(none)", 3600.0), ("presently", 1800.0)],
            byProject.GetProperty("rows").EnumerateArray().Select(r => (r.GetProperty("project").GetString(), r.GetProperty("seconds").GetDouble())).ToList());
        // The stored span keeps its context as sent.
        Assert.Equal(SpanContext.Of(("project", "presently"), ("file", "a.cs")), (await _server.Store.GetSpansAsync("a1")).Single(s => s.SpanId == 13).Context);
    }

    [Theory]
    [InlineData("tz=Mars/Olympus")]
    [InlineData("from=yesterday")]
    [InlineData("from=2026-11-29T10:00:00")]
    [InlineData("from=2026-11-29&to=2026-11-28")]
    [InlineData("from=2020-01-01&to=2026-01-01")]
    [InlineData("groupBy=person,colour")]
    [InlineData("groupBy=app,app")]
    [InlineData("groupBy=3")]
    public async Task Bad_queries_get_400_with_a_reason(string query)
    {
        var response = await _server.Http.GetAsync("/api/v1/report?" + query);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.False(string.IsNullOrEmpty(problem.GetProperty("detail").GetString()));
    }

    [Fact]
    public async Task The_reports_page_shows_tables_with_titles_and_names_encoded()
    {
        var html = await _server.Http.GetStringAsync("/reports?range=custom&from=2026-11-28&to=2026-11-29&tz=Europe/Berlin");
        Assert.Contains("<td>ann</td><td>vim</td><td>1:00:00</td>", html);
        Assert.Contains("id=\"hours-chart\"", html);
        Assert.Contains("&amp;format=csv\" id=\"csv\">CSV</a>", html);
    }

    [Fact]
    public async Task The_reports_page_groups_by_what_is_chosen_and_its_exports_follow()
    {
        var html = await _server.Http.GetStringAsync("/reports?range=custom&from=2026-11-28&to=2026-11-29&tz=Europe/Berlin&by=day&then=person");
        Assert.Contains("<table class=\"report\" id=\"per-day\">", html);
        Assert.Contains("<table class=\"report\" id=\"per-person\">", html);
        Assert.Contains("<td>2026-11-28</td><td>ann</td>", html);
        Assert.Contains("groupBy=day,person&amp;tz=Europe%2FBerlin&amp;format=csv\" id=\"csv\"", html);
        Assert.Contains("data-dims=\"day,person\"", html);

        var one = await _server.Http.GetStringAsync("/reports?range=custom&from=2026-11-28&to=2026-11-29&tz=UTC&by=app&then=none");
        Assert.Contains("<table class=\"report\" id=\"per-app\">", one);
        Assert.Contains("<td>vim</td><td>1:00:00</td>", one);
        Assert.DoesNotContain("id=\"per-person\"", one);
    }

    [Theory]
    [InlineData("by=colour")]
    [InlineData("by=app&then=app")]
    [InlineData("by=app&then=PERSON")]
    [InlineData("then=app")]
    public async Task A_grouping_the_page_does_not_know_is_400_with_one_line(string grouping)
    {
        var response = await _server.Http.GetAsync("/reports?range=today&tz=UTC&" + grouping);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Matches("<p class=\"error\">(group by|then by)[^<]+</p>", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task The_chart_reads_its_rows_from_the_page_encoded()
    {
        var t = new DateTimeOffset(2026, 11, 28, 10, 0, 0, TimeSpan.Zero);
        await _server.Store.RegisterAgentAsync(new AgentRegistration("a2", "bob", "h", "Linux", "1", [], t, 0), sharedCredential: true);
        await _server.Store.CommitAsync([new IngestBatch("a2", [
            new SpanRecord(1, 1, t.ToUnixTimeMilliseconds(), t.AddMinutes(30).ToUnixTimeMilliseconds(), SpanState.Active, "</script><script>alert(1)</script>", null, null)])]);
        var html = await _server.Http.GetStringAsync("/reports?range=custom&from=2026-11-28&to=2026-11-28&tz=UTC");
        var attribute = System.Text.RegularExpressions.Regex.Match(html, "<canvas id=\"hours-chart\" data-dims=\"person,app\" data-rows=\"([^\"]*)\"");
        Assert.True(attribute.Success, "the page carries the chart's rows");
        var json = System.Net.WebUtility.HtmlDecode(attribute.Groups[1].Value);
        var rows = System.Text.Json.JsonDocument.Parse(json).RootElement.EnumerateArray()
            .ToDictionary(r => (r.GetProperty("key")[0].GetString(), r.GetProperty("key")[1].GetString()), r => r.GetProperty("seconds").GetDouble());
        Assert.Equal(1800, rows[("bob", "</script><script>alert(1)</script>")]);
        Assert.Equal(3600, rows[("ann", "vim")]);
        Assert.DoesNotContain("<script>alert", html);
    }

    [Fact]
    public async Task A_report_downloads_as_csv_with_values_quoted_and_formulas_defused()
    {
        var t = new DateTimeOffset(2026, 11, 26, 10, 0, 0, TimeSpan.Zero);
        await _server.Store.RegisterAgentAsync(new AgentRegistration("a3", "cy", "h", "Linux", "1", [], t, 0), sharedCredential: true);
        await _server.Store.CommitAsync([new IngestBatch("a3", [
            new SpanRecord(1, 1, t.ToUnixTimeMilliseconds(), t.AddMinutes(15).ToUnixTimeMilliseconds(), SpanState.Active, "=HYPERLINK(\"x\",\"y\")", null, null),
            new SpanRecord(2, 2, t.AddMinutes(15).ToUnixTimeMilliseconds(), t.AddMinutes(20).ToUnixTimeMilliseconds(), SpanState.Active, "a, b", null, null)])]);
        using var response = await _server.Http.GetAsync("/api/v1/report?from=2026-11-26&to=2026-11-27&groupBy=person,app&tz=UTC&format=csv");
        response.EnsureSuccessStatusCode();
        Assert.Equal("text/csv", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("attachment; filename=\"presently-report-20261126T0000-20261127T0000.csv\"", response.Content.Headers.ContentDisposition?.ToString());
        Assert.Equal("person,app,seconds\r\ncy,\"'=HYPERLINK(\"\"x\"\",\"\"y\"\")\",900\r\ncy,\"a, b\",300\r\n", await response.Content.ReadAsStringAsync());

        Assert.Equal(HttpStatusCode.BadRequest, (await _server.Http.GetAsync("/api/v1/report?format=xml")).StatusCode);
    }

    [Fact]
    public async Task Healthz_answers_200() =>
        Assert.Equal(HttpStatusCode.OK, (await _server.Http.GetAsync("/healthz")).StatusCode);
}
