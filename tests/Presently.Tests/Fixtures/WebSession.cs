using System.Net;
using System.Net.WebSockets;
using System.Text.RegularExpressions;

namespace Presently.Tests.Fixtures;

/// <summary>A signed-in browser session without a browser: cookies plus the antiforgery token of each form.</summary>
public sealed partial class WebSession : IDisposable
{
    private WebSession(Uri baseUri)
    {
        Cookies = new CookieContainer();
        // Tests serve HTTPS with certificates they made themselves; the agent's own trust is tested separately.
        Http = new HttpClient(new HttpClientHandler
        {
            CookieContainer = Cookies,
            AllowAutoRedirect = false,
            ServerCertificateCustomValidationCallback = HttpClientHandler.DangerousAcceptAnyServerCertificateValidator,
        }) { BaseAddress = baseUri, Timeout = TimeSpan.FromSeconds(30) };
    }

    public HttpClient Http { get; }

    public CookieContainer Cookies { get; }

    public static WebSession Anonymous(Uri baseUri) => new(baseUri);

    public static async Task<WebSession> SignInAsync(Uri baseUri, string name, string password)
    {
        var session = new WebSession(baseUri);
        var response = await session.PostFormAsync("/login", "/login", new() { ["name"] = name, ["password"] = password, ["returnUrl"] = "/" });
        if (response.StatusCode != HttpStatusCode.Redirect)
            throw new InvalidOperationException($"sign-in as {name} failed: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        return session;
    }

    /// <summary>Loads <paramref name="formPage"/> for its antiforgery token, then posts the form like a browser.</summary>
    public async Task<HttpResponseMessage> PostFormAsync(string formPage, string action, Dictionary<string, string> fields) =>
        await Http.PostAsync(action, new FormUrlEncodedContent(await WithTokenAsync(formPage, fields)));

    /// <summary>Adds the antiforgery token of <paramref name="formPage"/> to <paramref name="fields"/>, for tests that post later or several times.</summary>
    public async Task<Dictionary<string, string>> WithTokenAsync(string formPage, Dictionary<string, string> fields)
    {
        var page = await Http.GetStringAsync(formPage);
        var token = AntiforgeryToken().Match(page);
        if (token.Success) fields["__RequestVerificationToken"] = WebUtility.HtmlDecode(token.Groups[1].Value);
        return fields;
    }

    /// <summary>Creates a personal API token on the account page as a browser would; returns its secret, read from the page.</summary>
    public async Task<string> CreateApiTokenAsync(string name)
    {
        var response = await PostFormAsync("/account", "/account/tokens", new() { ["name"] = name, ["scope"] = "read" });
        var html = await response.Content.ReadAsStringAsync();
        if (response.StatusCode != HttpStatusCode.OK || NewApiToken().Match(html) is not { Success: true } secret)
            throw new InvalidOperationException($"creating API token {name} failed: {(int)response.StatusCode} {html}");
        return secret.Groups[1].Value;
    }

    /// <summary>Opens the board WebSocket with this session's cookies and the given Origin (default: the server's own).</summary>
    public async Task<ClientWebSocket> OpenBoardAsync(string? origin = null)
    {
        var socket = new ClientWebSocket();
        socket.Options.Cookies = Cookies;
        socket.Options.CollectHttpResponseDetails = true;
        socket.Options.SetRequestHeader("Origin", origin ?? Http.BaseAddress!.GetLeftPart(UriPartial.Authority));
        await socket.ConnectAsync(new UriBuilder(Http.BaseAddress!) { Scheme = Http.BaseAddress!.Scheme == "https" ? "wss" : "ws", Path = "/board/ws" }.Uri, CancellationToken.None);
        return socket;
    }

    public void Dispose() => Http.Dispose();

    [GeneratedRegex("name=\"__RequestVerificationToken\" value=\"([^\"]+)\"")]
    private static partial Regex AntiforgeryToken();

    [GeneratedRegex("id=\"new-token-secret\">(pat_[A-Za-z0-9_-]{43})<")]
    private static partial Regex NewApiToken();
}
