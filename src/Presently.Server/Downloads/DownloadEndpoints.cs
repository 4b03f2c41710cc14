using System.Globalization;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;
using Presently.Server.Options;

namespace Presently.Server.Downloads;

/// <summary>
/// Agent builds and install scripts, for anyone: the binaries and scripts are not secret (the code
/// is public), and the computer that downloads them has no session yet; the enrollment code, which
/// is secret, is never part of a URL here. Only the four RIDs of <see cref="AgentBuilds"/> are
/// looked up, so nothing else on disk can be named; everything else is 404.
/// </summary>
public static class DownloadEndpoints
{
    public const string NoBuildsMessage =
        "This server has no agent build for {0}. An admin can add the builds: run deploy/build-agents.sh and copy its agents/ folder to the server's Presently:AgentBuildsDirectory (see docs/deploy.md).";

    public static IEndpointRouteBuilder MapDownloads(this IEndpointRouteBuilder app)
    {
        // One route for the build, its .sha256 and SHA256SUMS: a {rid} segment would match "linux-x64.sha256" anyway.
        app.MapGet("/download/agent/{name}", (string name, AgentBuilds builds) =>
        {
            if (name == AgentBuilds.SumsFile)
            {
                var sums = builds.SumsText();
                return sums.Length == 0 ? NotFound("any platform") : Results.Text(sums, "text/plain; charset=utf-8");
            }
            var wantsSum = name.EndsWith(".sha256", StringComparison.Ordinal);
            var rid = wantsSum ? name[..^".sha256".Length] : name;
            if (!AgentBuilds.IsKnown(rid)) return Results.Text($"No such agent build: the builds are {string.Join(", ", AgentBuilds.Rids)}.", "text/plain; charset=utf-8", null, StatusCodes.Status404NotFound);
            if (builds.Find(rid) is not { } build) return NotFound(rid);
            if (wantsSum) return Results.Text($"{build.Sha256}  {build.FileName}\n", "text/plain; charset=utf-8");
            return Results.File(build.Path, "application/octet-stream", build.FileName, enableRangeProcessing: true,
                entityTag: new EntityTagHeaderValue($"\"{build.Sha256}\""));
        }).AllowAnonymous();

        app.MapGet("/install.sh", (HttpContext ctx, IOptions<ServerOptions> options, PublicCertificate certificate) =>
                Script(ctx, options.Value, certificate, InstallScripts.Shell, "text/x-shellscript; charset=utf-8"))
            .AllowAnonymous();
        app.MapGet("/install.ps1", (HttpContext ctx, IOptions<ServerOptions> options, PublicCertificate certificate) =>
                Script(ctx, options.Value, certificate, InstallScripts.PowerShell, "text/plain; charset=utf-8"))
            .AllowAnonymous();
        return app;
    }

    /// <summary>The address agents and scripts should use: the configured public URL, else the one this request came in on.</summary>
    public static string PublicUrl(HttpContext ctx, ServerOptions options) =>
        options.PublicUrl is { Length: > 0 } configured
            ? configured.TrimEnd('/')
            : $"{ctx.Request.Scheme}://{ctx.Request.Host}{ctx.Request.PathBase}".TrimEnd('/');

    private static IResult Script(HttpContext ctx, ServerOptions options, PublicCertificate certificate, string script, string contentType)
    {
        var server = PublicUrl(ctx, options);
        return InstallScripts.Render(script, server, certificate.Sha256, certificate.PublicKeyPin) is { } text
            ? Results.Text(text, contentType)
            : Results.Text("This server's address cannot be put into an install script; set Presently:PublicUrl.", "text/plain; charset=utf-8", null, StatusCodes.Status400BadRequest);
    }

    private static IResult NotFound(string what) =>
        Results.Text(string.Format(CultureInfo.InvariantCulture, NoBuildsMessage, what), "text/plain; charset=utf-8", null, StatusCodes.Status404NotFound);
}
