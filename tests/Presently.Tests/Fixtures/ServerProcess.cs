using System.Net;
using System.Net.Sockets;

namespace Presently.Tests.Fixtures;

/// <summary>
/// presently-server as a real process on a fixed loopback port, so a test can SIGKILL it and start
/// it again at the same address with the same data directory.
/// </summary>
public sealed class ServerProcess : IAsyncDisposable
{
    private ChildProcess? _process;

    public ServerProcess(string dataDirectory, int? port = null)
    {
        DataDirectory = dataDirectory;
        Port = port ?? FreePort();
        BaseUri = new Uri($"http://127.0.0.1:{Port}/");
    }

    private WebSession? _admin;

    /// <summary>Signed in as the admin (made with `presently-server add-user` before the first start).</summary>
    public HttpClient Http => _admin?.Http ?? throw new InvalidOperationException("the server has not started");

    public string DataDirectory { get; }

    public int Port { get; }

    public Uri BaseUri { get; }

    public Uri AgentUri => new($"ws://127.0.0.1:{Port}/agent/v1");


    public string Output => _process?.Output ?? "";

    /// <summary>A umask (octal, e.g. "000") to start the server and its add-user command with; the inherited one when null.</summary>
    public string? Umask { get; init; }

    private string UmaskPrefix => Umask is null ? "" : $"umask {Umask} && ";

    /// <summary>More settings for the server and its add-user command (a shared store and Redis, say).</summary>
    public IReadOnlyList<string> Settings { get; init; } = [];

    /// <summary>Whether the first start makes the admin; false for a second instance on a store that has one.</summary>
    public bool CreateAdmin { get; init; } = true;

    /// <summary>The admin's session (signed in at the first start).</summary>
    public WebSession Admin => _admin ?? throw new InvalidOperationException("the server has not started");

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public async Task StartAsync()
    {
        var dll = Path.Combine(AppContext.BaseDirectory, "presently-server.dll");
        if (_admin is null && CreateAdmin)
            await ChildProcess.RunAsync("bash", ["-c", $"{UmaskPrefix}echo '{ServerHost.AdminPassword}' | dotnet '{dll}' add-user --name {ServerHost.AdminName} --role admin --Presently:DataDirectory '{DataDirectory}' \"$@\"",
                "bash", .. Settings]);
        using var probe = new HttpClient { BaseAddress = BaseUri };
        string[] server =
        [
            "dotnet", Path.Combine(AppContext.BaseDirectory, "presently-server.dll"),
            "--urls", BaseUri.ToString(),
            "--Presently:DataDirectory", DataDirectory,
            "--Presently:DevelopmentAgentToken", ServerHost.Token,
            "--Presently:DevelopmentPerson", "tester",
            .. Settings,
        ];
        // exec keeps the process id, so KillAsync still kills the server itself.
        _process = Umask is null
            ? new ChildProcess(server[0], server[1..])
            : new ChildProcess("bash", ["-c", $"umask {Umask} && exec \"$@\"", "bash", .. server]);
        await Eventually.Until(async () =>
        {
            if (_process.HasExited) throw new InvalidOperationException($"server exited: {_process.Output}");
            try
            {
                return (await probe.GetAsync("/healthz")).IsSuccessStatusCode;
            }
            catch (HttpRequestException)
            {
                return false;
            }
        }, ok => ok, TimeSpan.FromSeconds(30), "server start");
        _admin ??= await WebSession.SignInAsync(BaseUri, ServerHost.AdminName, ServerHost.AdminPassword);
    }

    /// <summary>SIGKILL: no shutdown code runs, exactly like a crash or the OOM killer.</summary>
    public async Task KillAsync()
    {
        if (_process is null) return;
        _process.Process.Kill(entireProcessTree: true);
        await _process.Process.WaitForExitAsync();
        _process.Dispose();
        _process = null;
    }

    public async ValueTask DisposeAsync()
    {
        await KillAsync();
        _admin?.Dispose();
    }
}
