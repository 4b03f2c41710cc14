using Presently.Agent.Config;
using Presently.Tests.Fixtures;

namespace Presently.Tests.Agent;

public sealed class AgentSettingsLoaderTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    private AgentSettings Load(string json, Dictionary<string, string?>? overrides = null)
    {
        var path = _dir.File("agent.json");
        File.WriteAllText(path, json);
        return AgentSettingsLoader.Load(path, overrides ?? []);
    }

    [Fact]
    public void Reads_the_file_and_lets_the_command_line_win()
    {
        var s = Load("""{ "Server": "http://a:1", "Token": "t", "IdleThreshold": "00:05:00" }""", new() { ["Server"] = "https://b" });
        Assert.Equal("https://b", s.Server);
        Assert.Equal(TimeSpan.FromMinutes(5), s.IdleThreshold);
    }

    [Theory]
    [InlineData("{ bad json")]
    [InlineData("""{ "IdleThreshold": "soon" }""")]
    [InlineData("""{ "IdleThreshold": "00:00:01" }""")]
    [InlineData("""{ "Server": "ftp://x" }""")]
    [InlineData("""{ "AgentId": "no spaces allowed" }""")]
    [InlineData("""{ "Unknown": 1 }""")]
    public void Bad_settings_give_one_clear_line(string json)
    {
        var ex = Assert.Throws<ConfigException>(() => Load(json));
        Assert.DoesNotContain('\n', ex.Message);
    }

    [Fact]
    public void A_missing_explicit_file_is_an_error() =>
        Assert.Throws<ConfigException>(() => AgentSettingsLoader.Load(_dir.File("nope.json"), new Dictionary<string, string?>()));

    [Fact]
    public void An_oversized_file_is_refused_unread()
    {
        var path = _dir.File("big.json");
        File.WriteAllText(path, "{\"Token\":\"" + new string('a', (int)AgentSettingsLoader.MaxConfigBytes) + "\"}");
        Assert.Contains("limit", Assert.Throws<ConfigException>(() => AgentSettingsLoader.Load(path, new Dictionary<string, string?>())).Message);
    }

    [Theory]
    [InlineData("http://127.0.0.1:5080", "ws://127.0.0.1:5080/agent/v1")]
    [InlineData("https://presently.example.com/", "wss://presently.example.com/agent/v1")]
    [InlineData("wss://example.com/base/agent/v1", "wss://example.com/base/agent/v1")]
    public void Server_addresses_map_to_the_agent_endpoint(string server, string expected) =>
        Assert.Equal(expected, AgentSettingsLoader.AgentEndpoint(server).ToString());
}
