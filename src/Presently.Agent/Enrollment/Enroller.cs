using System.Net.Http.Json;
using System.Runtime.InteropServices;
using System.Text.Json;
using Presently.Agent.Config;
using Presently.Agent.Uplink;

namespace Presently.Agent.Enrollment;

/// <summary>Exchanges a one-time enrollment code for this computer's own credential.</summary>
public static class Enroller
{
    internal sealed record Request(string Code, string Host, string Os, string AgentVersion);

    internal sealed record Response(string AgentId, string Credential, string Person);

    public static async Task<CredentialFile> EnrollAsync(AgentSettings settings, string server, string code, CancellationToken ct)
    {
        var endpoint = AgentSettingsLoader.AgentEndpoint(server);
        var tls = new TlsPolicy(settings);
        tls.CheckScheme(endpoint);
        var baseUri = new UriBuilder(endpoint) { Scheme = endpoint.Scheme == "wss" ? "https" : "http", Path = endpoint.AbsolutePath[..^Protocol.ProtocolConstants.Path.Length] + "/api/v1/enroll" }.Uri;

        using var handler = new SocketsHttpHandler();
        handler.SslOptions.RemoteCertificateValidationCallback = tls.Validate;
        using var http = new HttpClient(handler) { Timeout = TimeSpan.FromSeconds(30) };
        HttpResponseMessage response;
        try
        {
            response = await http.PostAsJsonAsync(baseUri, new Request(code, Environment.MachineName, RuntimeInformation.OSDescription, AgentRunner.Version), Json.EnrollJson.Default.Request, ct);
        }
        catch (HttpRequestException ex)
        {
            throw new ConfigException(tls.LastRefusal is { } refusal ? $"refused the server: {refusal}" : $"cannot reach {baseUri}: {ex.Message}");
        }
        using (response)
        {
            if (!response.IsSuccessStatusCode)
            {
                var detail = await ReadProblemAsync(response, ct);
                throw new ConfigException($"the server refused the enrollment ({(int)response.StatusCode}): {detail}");
            }
            var body = await response.Content.ReadFromJsonAsync(Json.EnrollJson.Default.Response, ct) ?? throw new ConfigException("the server sent an empty answer");
            var credential = new CredentialFile(body.AgentId, body.Credential, server, body.Person);
            credential.Write(settings.StateDirectory);
            return credential;
        }
    }

    private static async Task<string> ReadProblemAsync(HttpResponseMessage response, CancellationToken ct)
    {
        try
        {
            var json = await response.Content.ReadFromJsonAsync(Json.EnrollJson.Default.JsonElement, ct);
            return json.TryGetProperty("detail", out var d) ? d.GetString() ?? "" : response.ReasonPhrase ?? "";
        }
        catch (Exception ex) when (ex is JsonException or NotSupportedException)
        {
            return response.ReasonPhrase ?? "";
        }
    }
}
