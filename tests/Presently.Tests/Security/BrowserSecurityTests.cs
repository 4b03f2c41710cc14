using System.Net;
using System.Net.Http.Json;
using System.Net.WebSockets;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using Presently.Protocol;
using Presently.Storage;
using Presently.Tests.Fixtures;

namespace Presently.Tests.Security;

/// <summary>What a browser may do: sessions on the board socket, Origin, antiforgery, CSP, hostile titles, who sees whose hours.</summary>
[Collection(TimingSensitive.Name)]
public sealed class BrowserSecurityTests : IAsyncLifetime
{
    private ServerHost _server = null!;

    public async ValueTask InitializeAsync() => _server = await ServerHost.StartAsync();

    public async ValueTask DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public async Task The_board_socket_needs_a_session_and_our_own_origin()
    {
        using var anonymous = new ClientWebSocket();
        anonymous.Options.CollectHttpResponseDetails = true;
        anonymous.Options.SetRequestHeader("Origin", _server.BaseUri.GetLeftPart(UriPartial.Authority));
        await Assert.ThrowsAsync<WebSocketException>(() => anonymous.ConnectAsync(new UriBuilder(_server.BaseUri) { Scheme = "ws", Path = "/board/ws" }.Uri, CancellationToken.None));
        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.HttpStatusCode);

        var foreign = await Assert.ThrowsAsync<WebSocketException>(() => _server.Admin.OpenBoardAsync("https://evil.example"));
        Assert.Contains("403", foreign.Message);

        using var own = await _server.Admin.OpenBoardAsync();
        Assert.Equal(WebSocketState.Open, own.State);
    }

    [Fact]
    public async Task A_form_post_without_the_antiforgery_token_is_refused()
    {
        var response = await _server.Http.PostAsync("/admin/codes", new FormUrlEncodedContent(new Dictionary<string, string> { ["person"] = "mallory" }));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Null(await _server.Services.GetRequiredService<IAccountStore>().FindPersonAsync("mallory"));

        var withToken = await _server.Admin.PostFormAsync("/admin/codes", "/admin/codes", new() { ["person"] = "mallory" });
        Assert.Equal(HttpStatusCode.OK, withToken.StatusCode);
    }

    [Fact]
    public async Task Pages_carry_a_CSP_without_inline_script()
    {
        var response = await _server.Http.GetAsync("/");
        var csp = string.Join(";", response.Headers.GetValues("Content-Security-Policy"));
        Assert.Contains("script-src 'self'", csp);
        Assert.DoesNotContain("unsafe-inline", csp);
        Assert.DoesNotContain("unsafe-eval", csp);
        Assert.DoesNotMatch("<script>(?!</script>)", await response.Content.ReadAsStringAsync());
        Assert.Equal("nosniff", response.Headers.GetValues("X-Content-Type-Options").Single());
    }

    [Fact]
    public async Task Members_see_their_own_details_and_only_totals_of_others()
    {
        var t = DateTimeOffset.UtcNow.AddHours(-2);
        var store = _server.Store;
        foreach (var (agent, person, app) in new[] { ("m-1", "mia", "MiaEditor"), ("n-1", "noah", "NoahSecretApp") })
        {
            await store.RegisterAgentAsync(new AgentRegistration(agent, person, "h", "Linux", "1", [], t, 0), sharedCredential: true);
            await store.CommitAsync([new IngestBatch(agent, [new SpanRecord(1, 1, t.ToUnixTimeMilliseconds(), t.AddMinutes(30).ToUnixTimeMilliseconds(), SpanState.Active, app, "t", null)])]);
        }
        using var mia = await _server.SignInAsync("mia", Role.Member);
        var from = Uri.EscapeDataString(t.AddHours(-1).ToString("O"));

        var detail = await mia.Http.GetFromJsonAsync<JsonElement>($"/api/v1/report?from={from}&groupBy=person,app");
        Assert.Equal(["mia"], detail.GetProperty("rows").EnumerateArray().Select(r => r.GetProperty("person").GetString()));
        var totals = await mia.Http.GetFromJsonAsync<JsonElement>($"/api/v1/report?from={from}&groupBy=person");
        Assert.Equal(["mia", "noah"], totals.GetProperty("rows").EnumerateArray().Select(r => r.GetProperty("person").GetString()).Order());
        Assert.DoesNotContain("NoahSecretApp", await mia.Http.GetStringAsync("/reports?range=7d&tz=UTC"));
        Assert.Contains("NoahSecretApp", await _server.Http.GetStringAsync("/reports?range=7d&tz=UTC"));

        // Their own agents, and no one else's.
        var (miaAgent, _) = await _server.EnrollAsync("mia", "mia-laptop");
        var (noahAgent, _) = await _server.EnrollAsync("noah", "noah-laptop");
        var mine = await mia.Http.GetStringAsync("/account/agents");
        Assert.Contains("mia-laptop", mine);
        Assert.DoesNotContain("noah-laptop", mine);
        var json = await mia.Http.GetStringAsync("/api/v1/agents");
        Assert.Contains(miaAgent, json);
        Assert.DoesNotContain(noahAgent, json);
    }

    [Fact]
    public async Task The_first_run_setup_link_creates_one_admin_once()
    {
        await using var fresh = await ServerHost.StartAsync(null, null, signInAdmin: false);
        Assert.NotNull(fresh.SetupToken);
        using var browser = WebSession.Anonymous(fresh.BaseUri);
        Assert.Equal(HttpStatusCode.NotFound, (await browser.Http.GetAsync("/setup?token=wrong")).StatusCode);
        Assert.Equal(HttpStatusCode.Redirect, (await browser.Http.GetAsync("/")).StatusCode);

        var page = $"/setup?token={fresh.SetupToken}";
        var created = await browser.PostFormAsync(page, "/setup", new() { ["token"] = fresh.SetupToken!, ["name"] = "root", ["password"] = "correct horse battery", ["confirm"] = "correct horse battery" });
        Assert.Equal(HttpStatusCode.Redirect, created.StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await browser.Http.GetAsync("/admin/agents")).StatusCode);

        using var again = WebSession.Anonymous(fresh.BaseUri);
        Assert.Equal(HttpStatusCode.NotFound, (await again.Http.GetAsync(page)).StatusCode);
        using var signedIn = await WebSession.SignInAsync(fresh.BaseUri, "root", "correct horse battery");
    }

    public static readonly string[] XssCorpus =
    [
        "<script>alert('s')</script>",
        "<img src=x onerror=alert('i')>",
        "<svg onload=alert('v')>",
        "\"><script>alert('q')</script>",
        "'><img src=x onerror=alert('a')>",
        "<iframe src=\"javascript:alert('f')\"></iframe>",
        "<a href=\"javascript:alert('h')\">x</a>",
        "<body onload=alert('b')>",
        "<div hx-get=\"/admin/agents\" hx-trigger=\"load\">htmx</div>",
        "<div hx-on:htmx:load=\"alert('x')\">on</div>",
        "{{constructor.constructor('alert(1)')()}}",
        "<math><mtext><table><mglyph><style><img src=x onerror=alert('m')>",
        "&lt;script&gt;alert('e')&lt;/script&gt;",
        "</article><script>alert('c')</script>",
        "<details open ontoggle=alert('d')>",
    ];

    [Fact]
    public async Task Hostile_titles_and_app_names_render_as_text_and_run_nothing()
    {
        await using var browser = await HeadlessBrowser.StartAsync();
        var t = DateTimeOffset.UtcNow.AddMinutes(-30).ToUnixTimeMilliseconds();
        var (agent, _) = await TestAgentClient.JoinAsync(_server.AgentUri, "xss-agent");
        await using var _a = agent;
        var spans = XssCorpus.Select((payload, i) => new SpanRecord(i + 1, i + 1, t + i * 10_000, t + i * 10_000 + 5_000, SpanState.Active, payload, payload, null)).ToArray();
        await agent.SendAsync(new SpanBatch(spans));
        Assert.IsType<Ack>(await agent.ReceiveAsync());

        var (page, dialogs) = await browser.NewPageAsync();
        var requests = new List<string>();
        page.Request += (_, r) => { lock (requests) requests.Add(r.Url); };
        await HeadlessBrowser.SignInAsAdminAsync(page, _server.BaseUri);

        // The board shows the last span; the live socket then pushes each one in turn.
        await Assertions.Expect(page.Locator(".card .title")).ToHaveTextAsync(XssCorpus[^1]);
        for (var i = 0; i < XssCorpus.Length; i++)
        {
            var t2 = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
            await agent.SendAsync(new SpanBatch([new SpanRecord(100 + i, 100 + i, t2, t2, SpanState.Active, XssCorpus[i], XssCorpus[i], null)]));
            Assert.IsType<Ack>(await agent.ReceiveAsync());
            await Assertions.Expect(page.Locator(".card .app")).ToHaveTextAsync(XssCorpus[i]);
            await Assertions.Expect(page.Locator(".card .title")).ToHaveTextAsync(XssCorpus[i]);
        }

        await page.GotoAsync(new Uri(_server.BaseUri, "/reports?range=today&tz=UTC").ToString());
        await Assertions.Expect(page.Locator("#hours-chart")).ToHaveAttributeAsync("data-rendered", "true");
        var cells = await page.Locator("#per-app td:nth-child(2)").AllInnerTextsAsync();
        foreach (var payload in XssCorpus) Assert.Contains(payload, cells);

        Assert.Empty(dialogs);
        Assert.Equal(0, await page.EvaluateAsync<int>("document.querySelectorAll('main img, main svg, main iframe, main script, main details, main math').length"));
        Assert.DoesNotContain(requests, u => u.Contains("/admin/agents", StringComparison.Ordinal) || u.EndsWith("/x", StringComparison.Ordinal));
        await page.CloseAsync();
    }
}
