using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;

namespace Presently.Bench.Load;

/// <summary>
/// presently-server (the build next to this program) as its own process on 127.0.0.1 at a free
/// port, so its CPU and memory can be read from /proc. The admin is made first with
/// <c>presently-server add-user</c> (the password on standard input), as on a real first install.
/// </summary>
public sealed class ServerLauncher : IAsyncDisposable
{
    public const string AdminName = "bench-admin";

    private readonly Process _process;
    private readonly StreamWriter _log;

    private ServerLauncher(Process process, StreamWriter log, Uri baseUri, string dataDirectory, string logPath, string adminPassword)
    {
        _process = process;
        _log = log;
        BaseUri = baseUri;
        DataDirectory = dataDirectory;
        LogPath = logPath;
        AdminPassword = adminPassword;
    }

    public Uri BaseUri { get; }

    public string DataDirectory { get; }

    public string LogPath { get; }

    public string AdminPassword { get; }

    public int Pid => _process.Id;

    public static string ServerDll => Path.Combine(AppContext.BaseDirectory, "presently-server.dll");

    /// <summary>The settings the simulator gives its own server; <paramref name="extra"/> (--server-arg) comes after them and wins.</summary>
    public static string[] Settings(string dataDirectory, IReadOnlyList<string> extra) =>
    [
        "--Presently:DataDirectory", dataDirectory,
        // One address enrolls every agent and signs in every browser (10,000 is the setting's maximum).
        "--Presently:AuthAttemptsPerMinute", "10000",
        // Ten thousand "Agent connected" lines would be load of their own; warnings and errors still show.
        "--Logging:LogLevel:Default", "Warning",
        .. extra.Select(a => a.StartsWith("--", StringComparison.Ordinal) ? a : "--" + a),
    ];

    public static async Task<ServerLauncher> StartAsync(string dataDirectory, IReadOnlyList<string> extraSettings, TextWriter log, CancellationToken ct)
    {
        if (!File.Exists(ServerDll)) throw new FileNotFoundException($"no presently-server.dll next to the simulator ({ServerDll}); build the solution first");
        Directory.CreateDirectory(dataDirectory);
        var settings = Settings(dataDirectory, extraSettings);
        var password = Convert.ToBase64String(RandomNumberGenerator.GetBytes(18));

        var addUser = Start(["add-user", "--name", AdminName, "--role", "admin", .. settings], redirectInput: true);
        await addUser.StandardInput.WriteLineAsync(password);
        addUser.StandardInput.Close();
        var addUserOutput = addUser.StandardOutput.ReadToEndAsync(ct);
        var addUserErrors = addUser.StandardError.ReadToEndAsync(ct);
        await addUser.WaitForExitAsync(ct);
        if (addUser.ExitCode != 0)
            throw new InvalidOperationException($"presently-server add-user failed ({addUser.ExitCode}): {await addUserOutput} {await addUserErrors}");

        var port = FreePort();
        var baseUri = new Uri($"http://127.0.0.1:{port}/");
        var logPath = Path.Combine(dataDirectory, "bench-load-server.log");
        var logWriter = new StreamWriter(logPath, append: true) { AutoFlush = true };
        var process = Start([.. settings, "--urls", baseUri.ToString()], redirectInput: false);
        var gate = new Lock();
        void Write(string? line)
        {
            if (line is null) return;
            lock (gate) logWriter.WriteLine(line);
        }
        process.OutputDataReceived += (_, e) => Write(e.Data);
        process.ErrorDataReceived += (_, e) => Write(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var server = new ServerLauncher(process, logWriter, baseUri, dataDirectory, logPath, password);
        log.WriteLine($"server:   pid {process.Id}, {baseUri}, data {dataDirectory}, log {logPath}");

        using var probe = new HttpClient { BaseAddress = baseUri, Timeout = TimeSpan.FromSeconds(5) };
        var started = Stopwatch.StartNew();
        while (true)
        {
            if (process.HasExited)
            {
                await server.DisposeAsync();
                throw new InvalidOperationException($"presently-server exited with {process.ExitCode}; see {logPath}:\n{Tail(logPath)}");
            }
            try
            {
                if ((await probe.GetAsync("/readyz", ct)).IsSuccessStatusCode) break;
            }
            catch (HttpRequestException)
            {
            }
            catch (TaskCanceledException) when (!ct.IsCancellationRequested)
            {
            }
            if (started.Elapsed > TimeSpan.FromSeconds(120))
            {
                await server.DisposeAsync();
                throw new TimeoutException($"presently-server was not ready within 120 s; see {logPath}");
            }
            await Task.Delay(100, ct);
        }
        return server;
    }

    private static Process Start(string[] args, bool redirectInput)
    {
        var info = new ProcessStartInfo("dotnet")
        {
            RedirectStandardInput = redirectInput,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = AppContext.BaseDirectory,
        };
        info.ArgumentList.Add(ServerDll);
        foreach (var a in args) info.ArgumentList.Add(a);
        return Process.Start(info) ?? throw new InvalidOperationException("could not start dotnet");
    }

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public static string Tail(string path, int lines = 20)
    {
        try
        {
            return string.Join('\n', File.ReadLines(path).TakeLast(lines));
        }
        catch (IOException)
        {
            return "";
        }
    }

    /// <summary>SIGTERM (the server drains and stops), then SIGKILL after 15 s.</summary>
    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            try
            {
                using var kill = Process.Start("kill", ["-TERM", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
                await kill.WaitForExitAsync();
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(15));
                await _process.WaitForExitAsync(timeout.Token);
            }
            catch (Exception ex) when (ex is OperationCanceledException or System.ComponentModel.Win32Exception or InvalidOperationException)
            {
                _process.Kill(entireProcessTree: true);
                await _process.WaitForExitAsync();
            }
        }
        _process.Dispose();
        await _log.DisposeAsync();
    }
}
