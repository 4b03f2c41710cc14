using System.Globalization;
using System.Net;

namespace Presently.Tests.Fixtures;

/// <summary>
/// Debian's nginx in front of server instances, on a free port of 127.0.0.1, with a configuration
/// written here as deploy/nginx-cluster.conf lays it out: <c>least_conn</c> over the instances, agent
/// sockets counted apart from the rest, HTTP and WebSockets passed through, forwarded headers set. No
/// TLS (the shipped file adds it).
/// </summary>
public sealed class NginxProxy : IAsyncDisposable
{
    private readonly TempDirectory _dir = new("presently-nginx-");
    private ChildProcess? _process;

    private NginxProxy(int port) => Port = port;

    public int Port { get; }

    public Uri BaseUri => new($"http://127.0.0.1:{Port.ToString(CultureInfo.InvariantCulture)}/");

    public Uri AgentUri => new($"ws://127.0.0.1:{Port.ToString(CultureInfo.InvariantCulture)}/agent/v1");

    public static async Task<NginxProxy> StartAsync(params Uri[] upstreams)
    {
        var program = Requirements.Program("nginx", "nginx", ["/usr/sbin"]);
        for (var attempt = 1; ; attempt++)
        {
            var proxy = new NginxProxy(ServerProcess.FreePort());
            try
            {
                await proxy.StartAsync(program, upstreams);
                return proxy;
            }
            catch (TimeoutException) when (attempt < 3)
            {
                await proxy.DisposeAsync();
            }
        }
    }

    private async Task StartAsync(string program, Uri[] upstreams)
    {
        var dir = _dir.Path;
        string Servers(string parameters) =>
            string.Concat(upstreams.Select(u => $"        server {u.Host}:{u.Port.ToString(CultureInfo.InvariantCulture)} {parameters};\n"));
        var config = $$"""
            worker_processes 1;
            daemon off;
            pid {{dir}}/nginx.pid;
            error_log {{dir}}/error.log warn;
            {{(Environment.UserName == "root" ? "user root;" : "")}}
            events { worker_connections 4096; }
            http {
                access_log off;
                client_body_temp_path {{dir}}/client_body;
                proxy_temp_path {{dir}}/proxy;
                fastcgi_temp_path {{dir}}/fastcgi;
                uwsgi_temp_path {{dir}}/uwsgi;
                scgi_temp_path {{dir}}/scgi;
                map $http_upgrade $connection_upgrade {
                    default upgrade;
                    ''      close;
                }
                upstream presently {
                    least_conn;
            {{Servers("max_fails=3 fail_timeout=10s")}}    }
                upstream presently_agents {
                    least_conn;
            {{Servers("max_fails=0")}}    }
                server {
                    listen 127.0.0.1:{{Port.ToString(CultureInfo.InvariantCulture)}};
                    client_max_body_size 1m;
                    proxy_http_version 1.1;
                    proxy_set_header Host $host:$server_port;
                    proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
                    proxy_set_header X-Forwarded-Proto $scheme;
                    proxy_set_header X-Forwarded-Host $host:$server_port;
                    proxy_set_header Upgrade $http_upgrade;
                    proxy_set_header Connection $connection_upgrade;
                    proxy_read_timeout 1h;
                    location = /agent/v1 {
                        proxy_pass http://presently_agents;
                        proxy_connect_timeout 2s;
                    }
                    location / {
                        proxy_pass http://presently;
                    }
                }
            }
            """;
        await File.WriteAllTextAsync(Path.Combine(dir, "nginx.conf"), config);
        _process = new ChildProcess(program, ["-p", dir, "-c", Path.Combine(dir, "nginx.conf")], workingDirectory: dir);
        using var probe = new HttpClient { BaseAddress = BaseUri, Timeout = TimeSpan.FromSeconds(2) };
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(15);
        while (true)
        {
            try
            {
                if ((await probe.GetAsync("/healthz")).StatusCode == HttpStatusCode.OK) return;
            }
            catch (HttpRequestException)
            {
            }
            if (_process.HasExited || DateTime.UtcNow > deadline)
                throw new TimeoutException($"nginx did not answer on port {Port}: {_process.Output} {ReadLog(dir)}");
            await Task.Delay(50);
        }
    }

    /// <summary>What nginx logged (warnings and errors), for failure messages.</summary>
    public string ErrorLog => ReadLog(_dir.Path);

    private static string ReadLog(string dir) => File.Exists(Path.Combine(dir, "error.log")) ? File.ReadAllText(Path.Combine(dir, "error.log")) : "";

    public async ValueTask DisposeAsync()
    {
        if (_process is not null)
        {
            await _process.StopAsync(TimeSpan.FromSeconds(10));
            _process.Dispose();
        }
        _dir.Dispose();
    }
}
