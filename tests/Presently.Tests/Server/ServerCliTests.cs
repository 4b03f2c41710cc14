using Presently.Server;
using Presently.Tests.Fixtures;

namespace Presently.Tests.Server;

/// <summary>
/// The server's command line (System.CommandLine): <c>--help</c> of every command prints help and starts
/// nothing, values are checked before anything runs (one line, exit code 2), and a stray word is an
/// error rather than a server started with it as a setting.
/// </summary>
public sealed class ServerCliTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    private static string ServerDll => Path.Combine(AppContext.BaseDirectory, "presently-server.dll");

    private async Task<(int ExitCode, string Stdout, string Stderr)> RunAsync(params string[] args)
    {
        using var process = new System.Diagnostics.Process
        {
            StartInfo = new("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true, UseShellExecute = false },
        };
        process.StartInfo.ArgumentList.Add(ServerDll);
        foreach (var a in args) process.StartInfo.ArgumentList.Add(a);
        process.Start();
        process.StandardInput.Close();
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        try
        {
            await process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"presently-server {string.Join(' ', args)} did not exit: it started something");
        }
        return (process.ExitCode, await stdout, await stderr);
    }

    [Theory]
    [InlineData("--help")]
    [InlineData("serve", "--help")]
    [InlineData("enroll-code", "--help")]
    [InlineData("add-user", "--help")]
    [InlineData("rebuild-rollups", "--help")]
    public async Task Help_prints_help_and_starts_nothing(params string[] args)
    {
        var data = Path.Combine(_dir.Path, "data");
        var (exit, stdout, _) = await RunAsync([.. args, "--Presently:DataDirectory", data]);
        Assert.Equal(0, exit);
        Assert.Contains("Usage:", stdout, StringComparison.Ordinal);
        Assert.False(Directory.Exists(data), "help created the data directory: something started");
    }

    [Theory]
    [InlineData("presently-server: --hours is a whole number from 1 to 720", "enroll-code", "--person", "frank", "--hours", "abc")]
    [InlineData("presently-server: --hours is a whole number from 1 to 720", "enroll-code", "--person", "frank", "--hours", "9999")]
    [InlineData("presently-server: --role is admin or member", "add-user", "--name", "ann", "--role", "boss")]
    [InlineData("presently-server: --email needs an e-mail address", "add-user", "--name", "ann", "--email", "nope")]
    [InlineData("presently-server: unknown command or setting 'frobnicate'", "frobnicate")]
    [InlineData("presently-server: --role is all, ingest or web", "serve", "--role", "everything")]
    [InlineData("presently-server: invalid settings: Presently:Role is all, ingest or web, not 'gateway'", "--Presently:Role", "gateway")]
    [InlineData("presently-server: invalid settings: the web role shares the live state with other instances: set Presently:Redis:Configuration too", "serve", "--role", "web")]
    [InlineData("presently-server: invalid settings: the ingest role shares the live state with other instances: set Presently:Redis:Configuration too", "--role", "ingest")]
    public async Task Bad_values_are_refused_in_one_line_before_anything_runs(string error, params string[] args)
    {
        var data = Path.Combine(_dir.Path, "data");
        var (exit, _, stderr) = await RunAsync([.. args, "--Presently:DataDirectory", data]);
        Assert.Equal(2, exit);
        Assert.StartsWith(error, stderr, StringComparison.Ordinal);
        Assert.Single(stderr.Trim().Split('\n'));
        Assert.False(Directory.Exists(data));
    }

    [Fact]
    public async Task A_command_may_come_after_the_shared_settings()
    {
        var data = Path.Combine(_dir.Path, "data");
        var (exit, stdout, stderr) = await RunAsync("--Presently:DataDirectory", data, "enroll-code", "--person", "frank", "--hours", "2");
        Assert.True(exit == 0, stderr);
        Assert.Matches("^[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}$", stdout.Trim());
    }

    [Fact]
    public async Task Commands_run_on_the_store_alone_whatever_the_web_servers_settings()
    {
        // The web server would refuse to start with this certificate or monitoring setting; a command never builds it.
        var data = Path.Combine(_dir.Path, "data");
        var (exit, stdout, stderr) = await RunAsync("enroll-code", "--person", "grace", "--Presently:DataDirectory", data,
            "--Presently:PublicCertificatePath", Path.Combine(_dir.Path, "no-such-certificate.pem"), "--Presently:Monitoring:AllowedNetworks:0", "not-a-network");
        Assert.True(exit == 0, stderr);
        Assert.Matches("^[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}$", stdout.Trim());
        var rebuilt = await RunAsync("rebuild-rollups", "--Presently:DataDirectory", data, "--Presently:PublicCertificatePath", Path.Combine(_dir.Path, "no-such-certificate.pem"));
        Assert.True(rebuilt.ExitCode == 0, rebuilt.Stderr);
        Assert.Contains("rollups rebuilt", rebuilt.Stdout, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(new[] { "--Presently:DataDirectory", "/x", "--urls=http://127.0.0.1:0", "Logging:LogLevel:Default=None" }, null)]
    [InlineData(new[] { "--Presently:DataDirectory" }, "setting --Presently:DataDirectory needs a value")]
    [InlineData(new[] { "start" }, "unknown command or setting 'start'")]
    public void Configuration_is_what_the_server_reads_and_nothing_else(string[] tokens, string? problem) =>
        Assert.Equal(problem, ServerCli.NotConfiguration(tokens));
}
