using System.Globalization;
using StackExchange.Redis;

namespace Presently.Tests.Fixtures;

/// <summary>
/// A real <c>redis-server</c> (Debian's package) on a free port of 127.0.0.1, in memory only
/// (<c>--save ''</c>), one per test that asks: tests may restart theirs.
/// </summary>
public sealed class RedisServer : IAsyncDisposable
{
    private const string Package = "redis-server";
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(20);

    private readonly string _program;
    private readonly TempDirectory _dir = new("presently-redis-");
    private ChildProcess? _process;

    private RedisServer(string program, int port)
    {
        _program = program;
        Port = port;
    }

    public int Port { get; }

    /// <summary>What <c>Presently:Redis:Configuration</c> is set to.</summary>
    public string Configuration => $"127.0.0.1:{Port.ToString(CultureInfo.InvariantCulture)}";

    public static async Task<RedisServer> StartAsync()
    {
        var program = Requirements.Program("redis-server", Package);
        for (var attempt = 1; ; attempt++)
        {
            var server = new RedisServer(program, ServerProcess.FreePort());
            try
            {
                await server.StartAgainAsync();
                return server;
            }
            catch (TimeoutException) when (attempt < 3)
            {
                // Another program took the port between the look and the bind.
                await server.DisposeAsync();
            }
        }
    }

    /// <summary>Starts the server (again, after <see cref="StopAsync"/>) on the same port, empty.</summary>
    public async Task StartAgainAsync()
    {
        _process = new ChildProcess(_program, ["--port", Port.ToString(CultureInfo.InvariantCulture), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
            "--dir", _dir.Path], workingDirectory: _dir.Path);
        using var cts = new CancellationTokenSource(Deadline);
        while (true)
        {
            try
            {
                await using var probe = await ConnectionMultiplexer.ConnectAsync($"{Configuration},connectTimeout=500");
                await probe.GetDatabase().PingAsync();
                return;
            }
            catch (RedisConnectionException) when (!cts.IsCancellationRequested && !_process.HasExited)
            {
                await Task.Delay(50, cts.Token);
            }
            catch (RedisConnectionException)
            {
                throw new TimeoutException($"redis-server did not start on port {Port}: {_process.Output}");
            }
        }
    }

    public async Task StopAsync()
    {
        if (_process is null) return;
        await _process.StopAsync(Deadline);
        _process.Dispose();
        _process = null;
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        _dir.Dispose();
    }
}
