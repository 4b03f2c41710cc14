using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Playwright;
using Presently.Server.Agents;
using Presently.Storage;
using Presently.Tests.Fixtures;

namespace Presently.Tests.Security;

/// <summary>Every state-changing request needs the antiforgery token, form fields or not.</summary>
[Collection(TimingSensitive.Name)]
public sealed class CsrfTests : IAsyncLifetime
{
    private ServerHost _server = null!;

    public async ValueTask InitializeAsync() => _server = await ServerHost.StartAsync();

    public async ValueTask DisposeAsync() => await _server.DisposeAsync();

    private IAgentRegistry Registry => _server.Services.GetRequiredService<IAgentRegistry>();

    [Fact]
    public async Task Posts_without_fields_or_token_are_refused()
    {
        var (agentId, _) = await _server.EnrollAsync("cora");
        await _server.Services.GetRequiredService<EnrollmentCodes>().CreateAsync("cora", "test", TimeSpan.FromHours(1));
        var code = (await Registry.ListCodesAsync()).First(c => c.Used is null);

        foreach (var path in new[] { $"/admin/agents/{agentId}/block", $"/admin/agents/{agentId}/unblock", $"/admin/codes/{code.Id}/revoke", "/logout" })
        {
            var response = await _server.Http.PostAsync(path, null);
            Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"POST {path} without a token: {(int)response.StatusCode}");
        }
        Assert.Equal(AgentStatus.Active, await Registry.GetStatusAsync(agentId));
        Assert.Null((await Registry.ListCodesAsync()).Single(c => c.Id == code.Id).Revoked);
        Assert.Equal(HttpStatusCode.OK, (await _server.Http.GetAsync("/admin/agents")).StatusCode); // still signed in

        // With the token they work.
        Assert.Equal(HttpStatusCode.Redirect, (await _server.Admin.PostFormAsync("/admin/agents", $"/admin/agents/{agentId}/block", [])).StatusCode);
        Assert.Equal(AgentStatus.Blocked, await Registry.GetStatusAsync(agentId));
    }

    [Fact]
    public async Task A_page_on_another_port_cannot_block_an_agent_in_Chromium()
    {
        var (agentId, _) = await _server.EnrollAsync("cora");
        var target = new Uri(_server.BaseUri, $"/admin/agents/{Uri.EscapeDataString(agentId)}/block");
        // Same site (127.0.0.1), other origin: the SameSite=Lax cookie goes along with a top-level form post.
        await using var evil = await StartSiteAsync($"""
            <!doctype html><html><body>
            <form id="f" method="post" action="{target}"></form>
            <script>document.getElementById('f').submit();</script>
            </body></html>
            """);

        await using var browser = await HeadlessBrowser.StartAsync();
        var (page, _) = await browser.NewPageAsync();
        await HeadlessBrowser.SignInAsAdminAsync(page, _server.BaseUri);

        await page.GotoAsync(evil.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());
        await page.WaitForURLAsync(u => u.StartsWith(_server.BaseUri.ToString(), StringComparison.Ordinal));
        Assert.Equal(AgentStatus.Active, await Registry.GetStatusAsync(agentId));
        await page.CloseAsync();
    }

    private static async Task<WebApplication> StartSiteAsync(string html)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        app.MapGet("/", () => Results.Content(html, "text/html"));
        await app.StartAsync();
        return app;
    }
}
