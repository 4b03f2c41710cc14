using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using System.Xml.Linq;
using Presently.Server;
using Presently.Tests.Fixtures;

namespace Presently.Tests.Deploy;

/// <summary>
/// The shipped deployment files for the ingest/web split: deploy/nginx-roles.conf runs under Debian's
/// nginx (TLS and all, only the upstream addresses, certificate and ports swapped for the test's) and
/// sends the agent socket and enrollment to the ingest upstream and everything else to the web
/// upstream; the systemd template units start <c>serve --role …</c> with the shared environment file and
/// presently-server.service's hardening; deploy/Containerfile starts the dll the server project builds.
/// </summary>
public sealed class DeployFilesTests
{
    private static string Deploy(string name) => Path.Combine(Repository.Root, "deploy", name);

    private static string ServerProject => Path.Combine(Repository.Root, "src", "Presently.Server", "Presently.Server.csproj");

    private static string AssemblyName =>
        XDocument.Load(ServerProject).Descendants("AssemblyName").Single().Value;

    // ---------------------------------------------------------------- nginx-roles.conf

    [Fact]
    public async Task Nginx_roles_config_passes_nginx_t_and_sends_agents_and_enrollment_to_ingest_and_the_rest_to_web()
    {
        var nginx = Requirements.Program("nginx", "nginx", ["/usr/sbin"]);
        using var dir = new TempDirectory("presently-nginx-roles-");
        var cert = await SelfSignedCertificate.WriteAsync(dir.Path);
        await using var ingest = FakeUpstream.Start("ingest");
        await using var web = FakeUpstream.Start("web");
        int tlsPort = ServerProcess.FreePort(), httpPort = ServerProcess.FreePort();

        var roles = await File.ReadAllTextAsync(Deploy("nginx-roles.conf"));
        roles = PointUpstreamAt(roles, "presently_ingest", ingest.Port);
        roles = PointUpstreamAt(roles, "presently_web", web.Port);
        roles = ReplaceOnce(roles, @"ssl_certificate\s+\S+;", $"ssl_certificate {cert.CertPath};");
        roles = ReplaceOnce(roles, @"ssl_certificate_key\s+\S+;", $"ssl_certificate_key {cert.KeyPath};");
        roles = ReplaceOnce(roles, @"listen 443 ssl", $"listen 127.0.0.1:{Num(tlsPort)} ssl");
        roles = ReplaceOnce(roles, @"listen 80;", $"listen 127.0.0.1:{Num(httpPort)};");
        await File.WriteAllTextAsync(dir.File("roles.conf"), roles);
        var main = dir.File("nginx.conf");
        await File.WriteAllTextAsync(main, $$"""
            worker_processes 1;
            daemon off;
            pid {{dir.Path}}/nginx.pid;
            error_log {{dir.Path}}/error.log warn;
            {{(Environment.UserName == "root" ? "user root;" : "")}}
            events { worker_connections 256; }
            http {
                access_log off;
                client_body_temp_path {{dir.Path}}/client_body;
                proxy_temp_path {{dir.Path}}/proxy;
                fastcgi_temp_path {{dir.Path}}/fastcgi;
                uwsgi_temp_path {{dir.Path}}/uwsgi;
                scgi_temp_path {{dir.Path}}/scgi;
                include {{dir.File("roles.conf")}};
            }
            """);
        string[] args = ["-p", dir.Path, "-e", dir.File("error.log"), "-c", main];

        var (exit, output) = await RunToEndAsync(nginx, ["-t", .. args]);
        Assert.True(exit == 0, $"nginx -t failed ({exit}): {output}");

        using var process = new ChildProcess(nginx, args, workingDirectory: dir.Path);
        using var http = new HttpClient(new SocketsHttpHandler
        {
            AllowAutoRedirect = false,
            SslOptions = { RemoteCertificateValidationCallback = (_, c, _, _) => c is not null && c.GetCertHashString(System.Security.Cryptography.HashAlgorithmName.SHA256) == cert.Sha256.Replace(":", "", StringComparison.Ordinal).ToUpperInvariant() },
        })
        { BaseAddress = new Uri($"https://127.0.0.1:{Num(tlsPort)}/"), Timeout = TimeSpan.FromSeconds(5) };
        await WaitForAsync(http, process, dir);

        // The agent socket and enrollment: ingest, the upgrade passed on.
        var agent = await SendAsync(http, HttpMethod.Get, "/agent/v1", upgrade: true);
        Assert.Equal(("ingest", "GET /agent/v1", "websocket", "upgrade", "https"), agent);
        var enroll = await SendAsync(http, HttpMethod.Post, "/api/v1/enroll", body: """{"code":"x"}""");
        Assert.Equal(("ingest", "POST /api/v1/enroll", "", "close", "https"), enroll);

        // The board socket: web, the upgrade passed on.
        var board = await SendAsync(http, HttpMethod.Get, "/board/ws", upgrade: true);
        Assert.Equal(("web", "GET /board/ws", "websocket", "upgrade", "https"), board);

        // Everything else, including paths that start like the ingest ones: web.
        foreach (var path in new[] { "/", "/agents", "/admin/agents", "/agent/v1/other", "/api/v1/agents", "/api/v1/enroll/other", "/api/v1/report?from=2026-01-01",
                     "/install.sh", "/download/agent/presently-agent-linux-x64", "/reports", "/login", "/healthz", "/readyz", "/metrics" })
        {
            var answer = await SendAsync(http, HttpMethod.Get, path);
            Assert.Equal(("web", "GET " + path, "", "close", "https"), answer);
        }
        var form = await SendAsync(http, HttpMethod.Post, "/login", body: "name=a");
        Assert.Equal(("web", "POST /login", "", "close", "https"), form);

        // Plain HTTP is sent to HTTPS.
        using var plain = new HttpClient(new SocketsHttpHandler { AllowAutoRedirect = false }) { Timeout = TimeSpan.FromSeconds(5) };
        using var redirect = await plain.GetAsync($"http://127.0.0.1:{Num(httpPort)}/reports");
        Assert.Equal(HttpStatusCode.MovedPermanently, redirect.StatusCode);
        Assert.Equal("https", redirect.Headers.Location?.Scheme);

        Assert.Equal(2, ingest.Requests.Count);
        Assert.All(ingest.Requests, r => Assert.Matches("^(GET /agent/v1|POST /api/v1/enroll)$", r));
    }

    /// <summary>
    /// Points every <c>server</c> line of one upstream at the fake, after checking the upstream is
    /// balanced by <c>least_conn</c> without stickiness (ip_hash, hash, sticky).
    /// </summary>
    private static string PointUpstreamAt(string config, string upstream, int port)
    {
        var block = new Regex(@"upstream\s+" + upstream + @"\s*\{(?<body>[^}]*)\}");
        var matches = block.Matches(config);
        Assert.True(matches.Count == 1, $"upstream {upstream}: {matches.Count} blocks");
        var body = matches[0].Groups["body"].Value;
        Assert.Contains("least_conn;", body, StringComparison.Ordinal);
        Assert.DoesNotMatch(@"(?m)^\s*(ip_hash|hash|sticky)\b", body);
        var server = new Regex(@"(?m)^(\s*)server\s+[^;]+;");
        Assert.True(server.Matches(body).Count >= 1, $"upstream {upstream} has no server line");
        var first = true;
        var newBody = server.Replace(body, m =>
        {
            var line = first ? $"{m.Groups[1].Value}server 127.0.0.1:{Num(port)};" : "";
            first = false;
            return line;
        });
        return config.Replace(matches[0].Value, matches[0].Value.Replace(body, newBody, StringComparison.Ordinal), StringComparison.Ordinal);
    }

    private static string ReplaceOnce(string text, string pattern, string replacement)
    {
        var regex = new Regex(pattern);
        Assert.True(regex.Matches(text).Count == 1, $"expected '{pattern}' once in nginx-roles.conf");
        return regex.Replace(text, replacement.Replace("$", "$$", StringComparison.Ordinal));
    }

    private static string Num(int n) => n.ToString(CultureInfo.InvariantCulture);

    private static async Task<(int ExitCode, string Output)> RunToEndAsync(string program, string[] args)
    {
        using var process = new Process { StartInfo = new(program) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false } };
        foreach (var a in args) process.StartInfo.ArgumentList.Add(a);
        process.Start();
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await process.WaitForExitAsync(cts.Token);
        return (process.ExitCode, await stdout + await stderr);
    }

    private static async Task WaitForAsync(HttpClient http, ChildProcess nginx, TempDirectory dir)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(15);
        while (true)
        {
            try
            {
                using var response = await http.GetAsync("/healthz");
                if (response.StatusCode == HttpStatusCode.OK) return;
            }
            catch (HttpRequestException)
            {
            }
            catch (TaskCanceledException)
            {
            }
            if (nginx.HasExited || DateTime.UtcNow > deadline)
            {
                var log = File.Exists(dir.File("error.log")) ? await File.ReadAllTextAsync(dir.File("error.log")) : "";
                Assert.Fail($"nginx did not answer over TLS: {nginx.Output} {log}");
            }
            await Task.Delay(50);
        }
    }

    /// <summary>A request through nginx; returns which upstream answered and what it saw.</summary>
    private static async Task<(string Upstream, string Request, string Upgrade, string Connection, string ForwardedProto)> SendAsync(
        HttpClient http, HttpMethod method, string path, bool upgrade = false, string? body = null)
    {
        using var request = new HttpRequestMessage(method, path);
        if (upgrade)
        {
            request.Headers.TryAddWithoutValidation("Upgrade", "websocket");
            request.Headers.Connection.Add("Upgrade");
        }
        if (body is not null) request.Content = new StringContent(body, Encoding.UTF8, body.StartsWith('{') ? "application/json" : "application/x-www-form-urlencoded");
        using var response = await http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{method} {path}: {(int)response.StatusCode} {text}");
        var parts = text.Split('\n');
        Assert.True(parts.Length == 5, $"{method} {path}: not an answer of the fake upstreams: {text}");
        return (parts[0], parts[1], parts[2], parts[3], parts[4]);
    }

    /// <summary>
    /// An HTTP/1.1 server on a free loopback port that answers every request with its own name, the
    /// request line and the Upgrade, Connection and X-Forwarded-Proto headers it received, one per line.
    /// </summary>
    private sealed class FakeUpstream : IAsyncDisposable
    {
        private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
        private readonly CancellationTokenSource _stop = new();
        private readonly string _name;
        private Task _loop = Task.CompletedTask;

        private FakeUpstream(string name) => _name = name;

        public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

        public ConcurrentQueue<string> Requests { get; } = new();

        public static FakeUpstream Start(string name)
        {
            var upstream = new FakeUpstream(name);
            upstream._listener.Start();
            upstream._loop = upstream.AcceptAsync();
            return upstream;
        }

        private async Task AcceptAsync()
        {
            while (!_stop.IsCancellationRequested)
            {
                TcpClient client;
                try
                {
                    client = await _listener.AcceptTcpClientAsync(_stop.Token);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
                _ = AnswerAsync(client);
            }
        }

        private async Task AnswerAsync(TcpClient client)
        {
            using var _ = client;
            try
            {
                var stream = client.GetStream();
                var head = new List<byte>();
                var one = new byte[1];
                while (!(head.Count >= 4 && head[^4] == '\r' && head[^3] == '\n' && head[^2] == '\r' && head[^1] == '\n'))
                {
                    if (await stream.ReadAsync(one) == 0) return;
                    head.Add(one[0]);
                }
                var lines = Encoding.ASCII.GetString([.. head]).Split("\r\n");
                var headers = lines.Skip(1).Where(l => l.Contains(':', StringComparison.Ordinal))
                    .GroupBy(l => l[..l.IndexOf(':', StringComparison.Ordinal)].Trim(), StringComparer.OrdinalIgnoreCase)
                    .ToDictionary(g => g.Key, g => g.First()[(g.First().IndexOf(':', StringComparison.Ordinal) + 1)..].Trim(), StringComparer.OrdinalIgnoreCase);
                if (headers.TryGetValue("Content-Length", out var length))
                {
                    var body = new byte[int.Parse(length, CultureInfo.InvariantCulture)];
                    await stream.ReadExactlyAsync(body);
                }
                var requestLine = lines[0][..lines[0].LastIndexOf(' ')];
                Requests.Enqueue(requestLine);
                var answer = string.Join('\n', _name, requestLine, headers.GetValueOrDefault("Upgrade", ""),
                    headers.GetValueOrDefault("Connection", "").ToLowerInvariant(), headers.GetValueOrDefault("X-Forwarded-Proto", ""));
                var bytes = Encoding.UTF8.GetBytes(answer);
                await stream.WriteAsync(Encoding.ASCII.GetBytes(
                    $"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: {Num(bytes.Length)}\r\nConnection: close\r\n\r\n"));
                await stream.WriteAsync(bytes);
            }
            catch (IOException)
            {
            }
        }

        public async ValueTask DisposeAsync()
        {
            await _stop.CancelAsync();
            _listener.Stop();
            await _loop;
            _stop.Dispose();
        }
    }

    // ---------------------------------------------------------------- systemd template units

    [Theory]
    [InlineData("presently-ingest@.service", "ingest")]
    [InlineData("presently-web@.service", "web")]
    public void Role_unit_runs_serve_with_its_role_on_the_instance_port_with_the_environment_file_and_the_server_units_hardening(string file, string role)
    {
        var unit = ReadUnit(Deploy(file));
        var baseUnit = ReadUnit(Deploy("presently-server.service"));
        var service = unit["Service"];

        var execStart = Assert.Single(service, e => e.Key == "ExecStart").Value;
        Assert.DoesNotContain('"', execStart);
        var words = execStart.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("/usr/bin/dotnet", words[0]);
        Assert.Equal($"/opt/presently/server/{AssemblyName}.dll", words[1]);
        Assert.Equal("serve", words[2]);
        Assert.Equal(role, WordAfter(words, "--role"));
        Assert.Equal("http://127.0.0.1:%i", WordAfter(words, "--urls"));
        Assert.Contains($"port %i", Assert.Single(unit["Unit"], e => e.Key == "Description").Value, StringComparison.Ordinal);

        // What the server's own command line makes of it: serve, and nothing it refuses. (Until serve
        // has a --role option this takes `--role ingest` as a setting; once it has, it checks the value.)
        var parse = ServerCli.Create(TextWriter.Null).Parse(words[2..]);
        Assert.True(parse.Errors.Count == 0, string.Join("; ", parse.Errors.Select(e => e.Message)));
        Assert.Equal("serve", parse.CommandResult.Command.Name);
        Assert.Null(ServerCli.NotConfiguration(parse.UnmatchedTokens));

        // The shared settings (PostgreSQL, Redis) come from one file, which must exist: no leading '-'.
        Assert.Equal("/etc/presently/server.env", Assert.Single(service, e => e.Key == "EnvironmentFile").Value);
        Assert.Equal("on-failure", Assert.Single(service, e => e.Key == "Restart").Value);

        // The same user, directories and sandbox as presently-server.service, and its data directory.
        foreach (var key in new[] { "User", "Group", "WorkingDirectory", "StateDirectory", "StateDirectoryMode", "NoNewPrivileges", "ProtectSystem", "ProtectHome", "PrivateTmp", "ReadWritePaths" })
        {
            var expected = Assert.Single(baseUnit["Service"], e => e.Key == key).Value;
            Assert.True(service.Count(e => e.Key == key) == 1 && service.Single(e => e.Key == key).Value == expected, $"{file}: {key} is not {expected} as in presently-server.service");
        }
        var dataDirectory = Assert.Single(baseUnit["Service"], e => e.Key == "Environment" && e.Value.StartsWith("Presently__DataDirectory=", StringComparison.Ordinal)).Value;
        Assert.Contains(service, e => e.Key == "Environment" && e.Value == dataDirectory);
        Assert.DoesNotContain(service, e => e.Value.Contains("Presently__Role", StringComparison.Ordinal));
        Assert.Equal("multi-user.target", Assert.Single(unit["Install"], e => e.Key == "WantedBy").Value);
    }

    private static string WordAfter(string[] words, string option)
    {
        var at = Array.IndexOf(words, option);
        Assert.True(at >= 0 && at + 1 < words.Length && Array.LastIndexOf(words, option) == at, $"expected {option} once with a value in: {string.Join(' ', words)}");
        return words[at + 1];
    }

    private static Dictionary<string, List<KeyValuePair<string, string>>> ReadUnit(string path)
    {
        var sections = new Dictionary<string, List<KeyValuePair<string, string>>>();
        List<KeyValuePair<string, string>>? current = null;
        foreach (var raw in File.ReadAllLines(path))
        {
            var line = raw.Trim();
            if (line.Length == 0 || line.StartsWith('#') || line.StartsWith(';')) continue;
            Assert.False(line.EndsWith('\\'), $"{path}: continuation lines are not expected: {line}");
            if (line.StartsWith('[') && line.EndsWith(']'))
            {
                sections[line[1..^1]] = current = [];
                continue;
            }
            var eq = line.IndexOf('=', StringComparison.Ordinal);
            Assert.True(current is not null && eq > 0, $"{path}: not a setting in a section: {line}");
            current!.Add(new(line[..eq].Trim(), line[(eq + 1)..].Trim()));
        }
        return sections;
    }

    // ---------------------------------------------------------------- Containerfile

    [Fact]
    public void Containerfile_publishes_the_server_project_and_starts_its_dll_as_a_non_root_user_with_a_command_the_server_accepts()
    {
        var instructions = ReadContainerfile(Deploy("Containerfile"));
        var assembly = AssemblyName;

        // Two stages on the SDK and ASP.NET images of the framework the projects target.
        var targetFramework = XDocument.Load(Path.Combine(Repository.Root, "Directory.Build.props")).Descendants("TargetFramework").Single().Value;
        var tag = Regex.Match(targetFramework, @"^net(\d+\.\d+)$").Groups[1].Value;
        var froms = instructions.Where(i => i.Op == "FROM").Select(i => i.Args).ToList();
        Assert.Equal(new[] { $"mcr.microsoft.com/dotnet/sdk:{tag} AS build", $"mcr.microsoft.com/dotnet/aspnet:{tag}" }, froms);
        var finalStage = instructions.SkipWhile(i => i.Op != "FROM" || !i.Args.StartsWith("mcr.microsoft.com/dotnet/aspnet", StringComparison.Ordinal)).ToList();
        var buildStage = instructions.TakeWhile(i => !finalStage.Contains(i)).ToList();

        // The entry point is the dll the server project builds, where the publish step puts it.
        var entrypoint = JsonSerializer.Deserialize<string[]>(Assert.Single(finalStage, i => i.Op == "ENTRYPOINT").Args)!;
        Assert.Equal(new[] { "dotnet", $"/app/{assembly}.dll" }, entrypoint);
        Assert.Contains(buildStage, i => i.Op == "RUN" && i.Args.Contains("dotnet publish src/Presently.Server -c Release -o /app", StringComparison.Ordinal));
        Assert.Contains(finalStage, i => i.Op == "COPY" && i.Args == "--from=build /app ./");
        Assert.Equal("/app", Assert.Single(finalStage, i => i.Op == "WORKDIR").Args);

        // The server build runs npm: the build stage installs it.
        if (File.ReadAllText(ServerProject).Contains("npm ", StringComparison.Ordinal))
            Assert.Contains(buildStage, i => i.Op == "RUN" && Regex.IsMatch(i.Args, @"apt-get install .*\bnpm\b"));

        // The restore layer copies every project the server references (else restore fails in the image),
        // and every file the build stage copies by name exists.
        var copied = buildStage.Where(i => i.Op == "COPY").SelectMany(i => i.Args.Split(' ', StringSplitOptions.RemoveEmptyEntries)[..^1]).ToList();
        foreach (var source in copied.Where(s => s != "."))
            Assert.True(File.Exists(Path.Combine(Repository.Root, source)), $"COPY {source}: no such file in the repository");
        foreach (var project in ProjectsOf(ServerProject))
            Assert.Contains(Path.GetRelativePath(Repository.Root, project).Replace('\\', '/'), copied);

        // Not root; the data directory is a volume, and the command keeps the data there and listens on the exposed port.
        var user = Assert.Single(finalStage, i => i.Op == "USER").Args;
        Assert.DoesNotMatch(@"^(root|0)(:|$)", user);
        Assert.Equal("/var/lib/presently", Assert.Single(finalStage, i => i.Op == "VOLUME").Args);
        Assert.Equal("8080", Assert.Single(finalStage, i => i.Op == "EXPOSE").Args);
        var cmd = JsonSerializer.Deserialize<string[]>(Assert.Single(finalStage, i => i.Op == "CMD").Args)!;
        Assert.Equal("/var/lib/presently", WordAfter(cmd, "--Presently:DataDirectory"));
        Assert.Equal("http://0.0.0.0:8080", WordAfter(cmd, "--urls"));
        var parse = ServerCli.Create(TextWriter.Null).Parse(cmd);
        Assert.True(parse.Errors.Count == 0, string.Join("; ", parse.Errors.Select(e => e.Message)));
        Assert.Equal("serve", parse.CommandResult.Command.Name);
        Assert.Null(ServerCli.NotConfiguration(parse.UnmatchedTokens));

        // The ignore file beside it keeps build output out of the context and nothing the build copies.
        var ignored = File.ReadAllLines(Deploy("Containerfile.dockerignore")).Select(l => l.Trim()).Where(l => l.Length > 0 && !l.StartsWith('#')).ToList();
        foreach (var pattern in new[] { "**/bin", "**/obj", "**/node_modules", ".git" })
            Assert.Contains(pattern, ignored);
        foreach (var source in copied.Where(s => s != "."))
            Assert.DoesNotContain(source, ignored);
    }

    private static IEnumerable<string> ProjectsOf(string project)
    {
        foreach (var reference in XDocument.Load(project).Descendants("ProjectReference"))
        {
            var path = Path.GetFullPath(Path.Combine(Path.GetDirectoryName(project)!, reference.Attribute("Include")!.Value.Replace('\\', '/')));
            yield return path;
            foreach (var inner in ProjectsOf(path)) yield return inner;
        }
    }

    private static List<(string Op, string Args)> ReadContainerfile(string path)
    {
        var instructions = new List<(string, string)>();
        var pending = new StringBuilder();
        foreach (var raw in File.ReadAllLines(path))
        {
            var line = raw.Trim();
            if (line.StartsWith('#') || (line.Length == 0 && pending.Length == 0)) continue;
            if (line.EndsWith('\\'))
            {
                pending.Append(line[..^1]).Append(' ');
                continue;
            }
            pending.Append(line);
            var text = Regex.Replace(pending.ToString().Trim(), @"\s+", " ");
            pending.Clear();
            if (text.Length == 0) continue;
            var space = text.IndexOf(' ', StringComparison.Ordinal);
            Assert.True(space > 0, $"{path}: an instruction without arguments: {text}");
            instructions.Add((text[..space].ToUpperInvariant(), text[(space + 1)..]));
        }
        return instructions;
    }
}
