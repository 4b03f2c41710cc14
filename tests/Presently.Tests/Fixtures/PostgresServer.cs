using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Npgsql;

[assembly: AssemblyFixture(typeof(Presently.Tests.Fixtures.PostgresServer.StopAtExit))]

namespace Presently.Tests.Fixtures;

/// <summary>
/// A real PostgreSQL cluster in a temporary folder, on a free port of 127.0.0.1, started by
/// Debian's <c>initdb</c> and <c>pg_ctl</c>. <see cref="Shared"/> is one cluster for the whole test
/// process, started on first use; each test takes a database of its own with <see cref="CreateDatabaseAsync"/>.
/// A test that stops the server (<see cref="StopAsync"/>) starts a private one with <see cref="StartNewAsync"/>,
/// so it does not pull the database from under the tests running beside it.
/// </summary>
public sealed class PostgresServer : IAsyncDisposable
{
    private const string Package = "postgresql";
    private const string DirPrefix = "presently-pg-";
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);
    private static readonly Lazy<Task<PostgresServer>> SharedServer = new(() => StartNewAsync(), LazyThreadSafetyMode.ExecutionAndPublication);

    private readonly TempDirectory _dir;
    private readonly string _bin;
    private readonly SemaphoreSlim _control = new(1, 1);

    private PostgresServer(TempDirectory dir, string bin, int port)
    {
        _dir = dir;
        _bin = bin;
        Port = port;
        var admin = new NpgsqlConnectionStringBuilder { Host = "127.0.0.1", Port = port, Username = "postgres", Database = "postgres", Pooling = false };
        AdminConnectionString = admin.ConnectionString;
    }

    public int Port { get; }

    /// <summary>The superuser on the maintenance database <c>postgres</c>.</summary>
    public string AdminConnectionString { get; }

    private string DataDir => _dir.File("data");

    /// <summary>The process's cluster, started on first use; skips (or fails under PRESENTLY_REQUIRE_ALL) without PostgreSQL.</summary>
    public static Task<PostgresServer> Shared()
    {
        FindBin();
        return SharedServer.Value;
    }

    /// <summary>A cluster of the caller's own, which it disposes.</summary>
    public static async Task<PostgresServer> StartNewAsync()
    {
        var bin = FindBin();
        await RemoveOrphansAsync(bin);
        var dir = new TempDirectory(DirPrefix);
        try
        {
            // Whose cluster this is, so a later run can clean up after a test process that was killed.
            await File.WriteAllTextAsync(dir.File("owner"), Environment.ProcessId.ToString(CultureInfo.InvariantCulture));
            if (IsRoot) await ChildProcess.RunAsync("chown", ["-R", "postgres:postgres", dir.Path]);
            // An ICU collation as a real deployment would have: byte order (SQLite's) must be asked for, not
            // be the accident of a C locale. --no-sync: a test cluster need not survive a power cut.
            await RunAsync(dir.Path, Path.Combine(bin, "initdb"), ["-D", dir.File("data"), "-U", "postgres", "--auth=trust", "-E", "UTF8",
                "--locale=C.UTF-8", "--locale-provider=icu", "--icu-locale=en", "--no-sync"]);
            for (var attempt = 1; ; attempt++)
            {
                // The port is free when looked at; another program may take it before the server binds it: try again.
                var server = new PostgresServer(dir, bin, FreePort());
                await server.ConfigureAsync();
                try
                {
                    await server.StartAsync();
                    return server;
                }
                catch (Exception) when (attempt < 3)
                {
                }
            }
        }
        catch
        {
            dir.Dispose();
            throw;
        }
    }

    /// <summary>A new empty database; dropping it on dispose.</summary>
    public async Task<PostgresDatabase> CreateDatabaseAsync()
    {
        var name = "t_" + Guid.NewGuid().ToString("N");
        await AdminAsync($"CREATE DATABASE {name}");
        var cs = new NpgsqlConnectionStringBuilder(AdminConnectionString) { Database = name, Pooling = true, MaxPoolSize = 50 };
        return new PostgresDatabase(this, name, cs.ConnectionString);
    }

    internal async Task DropDatabaseAsync(string name)
    {
        // FORCE: a test's pool may still hold connections; the server may also be stopped by the test.
        try
        {
            await AdminAsync($"DROP DATABASE IF EXISTS {name} WITH (FORCE)");
        }
        catch (NpgsqlException)
        {
        }
    }

    /// <summary>Stops the server (pg_ctl -m fast: connections are ended, the data stays).</summary>
    public async Task StopAsync()
    {
        await _control.WaitAsync();
        try
        {
            await RunAsync(_dir.Path, Path.Combine(_bin, "pg_ctl"), ["-D", DataDir, "-m", "fast", "-w", "-t", "60", "stop"]);
        }
        finally
        {
            _control.Release();
        }
    }

    /// <summary>Starts the server and returns once it takes connections.</summary>
    public async Task StartAsync()
    {
        await _control.WaitAsync();
        try
        {
            await RunAsync(_dir.Path, Path.Combine(_bin, "pg_ctl"), ["-D", DataDir, "-l", _dir.File("server.log"), "-w", "-t", "60", "start"]);
            var sw = Stopwatch.StartNew();
            while (true)
            {
                try
                {
                    await AdminAsync("SELECT 1");
                    return;
                }
                catch (NpgsqlException) when (sw.Elapsed < Deadline)
                {
                    await Task.Delay(50);
                }
            }
        }
        catch (Exception ex)
        {
            throw new InvalidOperationException($"PostgreSQL did not start on port {Port}: {ex.Message}\n{ServerLog()}", ex);
        }
        finally
        {
            _control.Release();
        }
    }

    /// <summary>The server's log, for failure messages.</summary>
    public string ServerLog()
    {
        try
        {
            return File.ReadAllText(_dir.File("server.log"));
        }
        catch (IOException)
        {
            return "";
        }
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await RunAsync(_dir.Path, Path.Combine(_bin, "pg_ctl"), ["-D", DataDir, "-m", "immediate", "-w", "-t", "60", "stop"]);
        }
        catch (InvalidOperationException)
        {
            // Already stopped by the test.
        }
        _dir.Dispose();
        _control.Dispose();
    }

    private async Task ConfigureAsync()
    {
        // Appended settings win over initdb's; fsync stays on, as in production.
        await File.AppendAllTextAsync(_dir.File("data/postgresql.conf"), $"""

            port = {Port}
            listen_addresses = '127.0.0.1'
            unix_socket_directories = '{_dir.Path}'
            max_connections = 200
            shared_buffers = 32MB

            """);
    }

    private async Task AdminAsync(string sql)
    {
        await using var conn = new NpgsqlConnection(AdminConnectionString);
        await conn.OpenAsync();
        await using var cmd = new NpgsqlCommand(sql, conn);
        await cmd.ExecuteNonQueryAsync();
    }

    // initdb refuses to run as root, and the tests run as root here and in CI: then the cluster's
    // programs run as the package's user 'postgres', who owns the folder.
    private static bool IsRoot => Environment.IsPrivilegedProcess;

    private static Task<string> RunAsync(string dir, string program, IReadOnlyList<string> args) => IsRoot
        ? ChildProcess.RunAsync("runuser", ["-u", "postgres", "--", program, .. args], timeout: Deadline, workingDirectory: dir)
        : ChildProcess.RunAsync(program, args, timeout: Deadline, workingDirectory: dir);

    /// <summary>The folder of initdb and pg_ctl: Debian keeps them in /usr/lib/postgresql/VERSION/bin, off PATH.</summary>
    private static string FindBin()
    {
        var versions = Directory.Exists("/usr/lib/postgresql")
            ? Directory.GetDirectories("/usr/lib/postgresql")
                .Select(d => (Dir: Path.Combine(d, "bin"), Version: int.TryParse(Path.GetFileName(d), out var v) ? v : 0))
                .OrderByDescending(d => d.Version).Select(d => d.Dir).ToList()
            : [];
        var initdb = Requirements.Program("initdb", Package, versions);
        var bin = Path.GetDirectoryName(initdb)!;
        // pg_ctl of the same version as initdb, which is beside it in every layout we know.
        Requirements.Program("pg_ctl", Package, [bin]);
        return bin;
    }

    private static int FreePort()
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        return ((IPEndPoint)probe.LocalEndpoint).Port;
    }

    /// <summary>Clusters left running by test processes that were killed before they could stop them.</summary>
    private static async Task RemoveOrphansAsync(string bin)
    {
        foreach (var path in Directory.GetDirectories(Path.GetTempPath(), DirPrefix + "*"))
        {
            string owner;
            try
            {
                owner = (await File.ReadAllTextAsync(Path.Combine(path, "owner"))).Trim();
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                continue; // Being set up right now, or another user's.
            }
            if (owner.Length == 0 || Directory.Exists("/proc/" + owner)) continue;
            try
            {
                await RunAsync(path, Path.Combine(bin, "pg_ctl"), ["-D", Path.Combine(path, "data"), "-m", "immediate", "-w", "-t", "60", "stop"]);
            }
            catch (InvalidOperationException)
            {
                // Not running.
            }
            try
            {
                Directory.Delete(path, recursive: true);
            }
            catch (IOException)
            {
            }
        }
    }

    /// <summary>Stops the shared cluster when the test assembly is done, and deletes its folder.</summary>
    public sealed class StopAtExit : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            if (SharedServer.IsValueCreated && SharedServer.Value.IsCompletedSuccessfully)
                await (await SharedServer.Value).DisposeAsync();
        }
    }
}

/// <summary>A database of one test on a <see cref="PostgresServer"/>; dropped on dispose.</summary>
public sealed class PostgresDatabase(PostgresServer server, string name, string connectionString) : IAsyncDisposable
{
    private readonly List<NpgsqlDataSource> _sources = [];

    public PostgresServer Server => server;

    public string Name => name;

    public string ConnectionString => connectionString;

    /// <summary>A data source on this database, disposed with it.</summary>
    public NpgsqlDataSource CreateDataSource()
    {
        var source = NpgsqlDataSource.Create(connectionString);
        lock (_sources) _sources.Add(source);
        return source;
    }

    public async ValueTask DisposeAsync()
    {
        List<NpgsqlDataSource> sources;
        lock (_sources) sources = [.. _sources];
        foreach (var s in sources) await s.DisposeAsync();
        await server.DropDatabaseAsync(name);
    }
}
