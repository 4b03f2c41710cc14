using System.Net;
using System.Net.Http.Json;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.Extensions.DependencyInjection;
using Presently.Protocol;
using Presently.Server.Agents;
using Presently.Storage;
using Presently.Tests.Fixtures;

namespace Presently.Tests.Security;

/// <summary>Enrollment codes and agent credentials, with the real agent program doing the enrolling.</summary>
public sealed partial class EnrollmentTests : IAsyncLifetime
{
    private readonly TempDirectory _home = new();
    private ServerHost _server = null!;

    public async ValueTask InitializeAsync() =>
        _server = await ServerHost.StartAsync(null, null, signInAdmin: true, "--Presently:DevelopmentAgentToken", "", "--Presently:AuthAttemptsPerMinute", "20");

    public async ValueTask DisposeAsync()
    {
        await _server.DisposeAsync();
        _home.Dispose();
    }

    [GeneratedRegex("id=\"new-code\">([0-9A-Z-]+)<")]
    private static partial Regex NewCode();

    private async Task<string> CreateCodeAsync(string person)
    {
        var response = await _server.Admin.PostFormAsync("/admin/codes", "/admin/codes", new() { ["person"] = person, ["hours"] = "24" });
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return NewCode().Match(await response.Content.ReadAsStringAsync()).Groups[1].Value;
    }

    private Task<(int ExitCode, string Output)> EnrollAsync(string code, string home) =>
        AgentProcess.RunAsync(["enroll", "--server", _server.BaseUri.ToString(), "--code", code], home);

    [Fact]
    public async Task A_code_becomes_a_private_credential_the_server_keeps_only_hashed()
    {
        var code = await CreateCodeAsync("carol");
        var (exit, output) = await EnrollAsync(code, _home.Path);
        Assert.True(exit == 0, output);

        var file = Path.Combine(_home.Path, ".state", "presently", "credential.json");
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(file));
        var credential = JsonSerializer.Deserialize<JsonElement>(await File.ReadAllTextAsync(file));
        var token = credential.GetProperty("Token").GetString()!;
        var agentId = credential.GetProperty("AgentId").GetString()!;
        Assert.True(Convert.FromBase64String(token.Replace('-', '+').Replace('_', '/') + "=").Length == 32);

        // The secret itself is nowhere in the server's files.
        foreach (var f in Directory.GetFiles(_server.DataDirectory))
            Assert.DoesNotContain(token, Encoding.Latin1.GetString(await File.ReadAllBytesAsync(f)));

        await using var agent = await TestAgentClient.ConnectAsync(_server.AgentUri, token);
        await agent.SendAsync(TestAgentClient.NewHello(agentId));
        Assert.IsType<Welcome>(await agent.ReceiveAsync());
        var owner = (await _server.Services.GetRequiredService<IAgentRegistry>().ListAgentsAsync()).Single(a => a.AgentId == agentId).Person;
        Assert.Equal("carol", owner);
    }

    [Fact]
    public async Task A_credential_cannot_speak_for_another_agent_id()
    {
        var (exit, _) = await EnrollAsync(await CreateCodeAsync("dave"), _home.Path);
        Assert.Equal(0, exit);
        var token = JsonSerializer.Deserialize<JsonElement>(await File.ReadAllTextAsync(Path.Combine(_home.Path, ".state", "presently", "credential.json"))).GetProperty("Token").GetString();
        await using var agent = await TestAgentClient.ConnectAsync(_server.AgentUri, token);
        await agent.SendAsync(TestAgentClient.NewHello("someone-else"));
        Assert.Equal(ErrorCodes.InvalidHello, Assert.IsType<ErrorMessage>(await agent.ReceiveAsync()).Code);
    }

    [Fact]
    public async Task Used_expired_and_revoked_codes_are_refused()
    {
        var code = await CreateCodeAsync("erin");
        Assert.Equal(0, (await EnrollAsync(code, _home.Path)).ExitCode);
        using var second = new TempDirectory();
        var reuse = await EnrollAsync(code, second.Path);
        Assert.Equal(2, reuse.ExitCode);
        Assert.Contains("used", reuse.Output);

        var registry = _server.Services.GetRequiredService<IAgentRegistry>();
        var person = await _server.Services.GetRequiredService<IAccountStore>().FindPersonAsync("erin");
        var now = DateTimeOffset.UtcNow;
        await registry.CreateCodeAsync(EnrollmentCodes.Hash("EXP1RED00000"), "EXP1", person!.Id, "test", now.AddDays(-2), now.AddDays(-1));
        var expired = await EnrollAsync("EXP1-RED0-0000", second.Path);
        Assert.Equal(2, expired.ExitCode);
        Assert.Contains("expired", expired.Output);

        var revoked = await CreateCodeAsync("erin");
        var id = (await registry.ListCodesAsync()).First(c => c.Hint == revoked[..4]).Id;
        var revoke = await _server.Admin.PostFormAsync("/admin/codes", $"/admin/codes/{id}/revoke", []);
        Assert.Equal(HttpStatusCode.Redirect, revoke.StatusCode);
        var refused = await EnrollAsync(revoked, second.Path);
        Assert.Contains("revoked", refused.Output);
        Assert.Contains("revoked enrollment code", await _server.Http.GetStringAsync("/admin/audit"));
    }

    [Fact]
    public async Task Guessing_codes_is_rate_limited_per_address()
    {
        using var anonymous = WebSession.Anonymous(_server.BaseUri);
        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 30; i++)
        {
            var response = await anonymous.Http.PostAsJsonAsync("/api/v1/enroll", new { code = $"AAAA-BBBB-{i:D4}", host = "h", os = "o", agentVersion = "1" });
            statuses.Add(response.StatusCode);
        }
        Assert.All(statuses.Take(20), s => Assert.Equal(HttpStatusCode.Unauthorized, s));
        Assert.All(statuses.Skip(20), s => Assert.Equal(HttpStatusCode.TooManyRequests, s));
    }

    [Fact]
    public async Task Guessing_passwords_is_rate_limited_and_audited()
    {
        using var anonymous = WebSession.Anonymous(_server.BaseUri);
        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 25; i++)
            statuses.Add((await anonymous.PostFormAsync("/login", "/login", new() { ["name"] = ServerHost.AdminName, ["password"] = $"guess-{i}" })).StatusCode);
        Assert.Contains(HttpStatusCode.Unauthorized, statuses);
        Assert.Equal(HttpStatusCode.TooManyRequests, statuses[^1]);
        Assert.DoesNotContain(HttpStatusCode.Redirect, statuses);
        Assert.Contains("sign-in failed", await _server.Http.GetStringAsync("/admin/audit"));
    }

    [Fact]
    public async Task Agents_without_a_valid_credential_get_401_before_the_upgrade()
    {
        using var socket = new ClientWebSocket();
        socket.Options.SetRequestHeader("Authorization", "Bearer " + ServerHost.Token); // the dev token is off here
        socket.Options.CollectHttpResponseDetails = true;
        await Assert.ThrowsAsync<WebSocketException>(() => socket.ConnectAsync(_server.AgentUri, CancellationToken.None));
        Assert.Equal(HttpStatusCode.Unauthorized, socket.HttpStatusCode);
    }

    [Fact]
    public async Task The_server_command_line_makes_codes_that_work()
    {
        var output = await ChildProcess.RunAsync("dotnet", [Path.Combine(AppContext.BaseDirectory, "presently-server.dll"), "enroll-code", "--person", "frank",
            "--Presently:DataDirectory", _server.DataDirectory]);
        var code = output.Trim();
        Assert.Matches("^[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}$", code);
        Assert.Equal(0, (await EnrollAsync(code, _home.Path)).ExitCode);
    }
}
