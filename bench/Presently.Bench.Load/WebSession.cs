using System.Net;
using System.Net.WebSockets;
using System.Text.RegularExpressions;

namespace Presently.Bench.Load;

/// <summary>
/// What a browser holds for the server: its cookies (session and antiforgery). Signs in through the
/// login form as a person would, and opens the board socket with the session cookie and the page's Origin.
/// </summary>
public sealed partial class WebSession : IDisposable
{
    private WebSession(Uri baseUri)
    {
        BaseUri = baseUri;
        Cookies = new CookieContainer();
        Http = new HttpClient(new SocketsHttpHandler { CookieContainer = Cookies, AllowAutoRedirect = false, UseCookies = true })
        {
            BaseAddress = baseUri,
            Timeout = TimeSpan.FromSeconds(60),
        };
    }

    public Uri BaseUri { get; }

    public HttpClient Http { get; }

    public CookieContainer Cookies { get; }

    /// <summary>Origin a page served by the server sends: its own scheme, host and port.</summary>
    public string Origin => BaseUri.GetLeftPart(UriPartial.Authority);

    public static async Task<WebSession> SignInAsync(Uri baseUri, string name, string password, CancellationToken ct)
    {
        var session = new WebSession(baseUri);
        try
        {
            var fields = await session.WithTokenAsync("/login", new() { ["name"] = name, ["password"] = password, ["returnUrl"] = "/" }, ct);
            using var response = await session.Http.PostAsync("/login", new FormUrlEncodedContent(fields), ct);
            if (response.StatusCode != HttpStatusCode.Redirect)
                throw new InvalidOperationException($"sign-in as {name} failed: {(int)response.StatusCode} {Shorten(await response.Content.ReadAsStringAsync(ct))}");
            return session;
        }
        catch
        {
            session.Dispose();
            throw;
        }
    }

    /// <summary>Adds the antiforgery token of <paramref name="formPage"/> (a form on it) to the fields.</summary>
    public async Task<Dictionary<string, string>> WithTokenAsync(string formPage, Dictionary<string, string> fields, CancellationToken ct)
    {
        var page = await Http.GetStringAsync(formPage, ct);
        var token = AntiforgeryToken().Match(page);
        if (token.Success) fields["__RequestVerificationToken"] = WebUtility.HtmlDecode(token.Groups[1].Value);
        return fields;
    }

    /// <summary>The board socket as htmx opens it: same cookies, the page's Origin, no compression offered by the server.</summary>
    public async Task<ClientWebSocket> OpenBoardAsync(CancellationToken ct)
    {
        var socket = new ClientWebSocket();
        try
        {
            socket.Options.Cookies = Cookies;
            socket.Options.CollectHttpResponseDetails = true;
            socket.Options.SetRequestHeader("Origin", Origin);
            var uri = new UriBuilder(BaseUri) { Scheme = BaseUri.Scheme == "https" ? "wss" : "ws", Path = "/board/ws" }.Uri;
            await socket.ConnectAsync(uri, ct);
            return socket;
        }
        catch (Exception ex) when (ex is WebSocketException && socket.HttpStatusCode != 0)
        {
            var status = socket.HttpStatusCode;
            socket.Dispose();
            throw new WebSocketException($"board socket refused with HTTP {(int)status}", ex);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    public void Dispose() => Http.Dispose();

    public static string Shorten(string text) => text.Length <= 300 ? text : text[..300] + "…";

    [GeneratedRegex("name=\"__RequestVerificationToken\" value=\"([^\"]+)\"")]
    private static partial Regex AntiforgeryToken();
}
