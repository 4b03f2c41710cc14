using Microsoft.Extensions.Options;

namespace Presently.Server.Cluster;

/// <summary>
/// What an instance serves (<c>Presently:Role</c>, or <c>serve --role</c>). <see cref="All"/> is one
/// server for everything. Several instances may split it: <see cref="Ingest"/> holds agents' sockets
/// and stores their spans; <see cref="Web"/> serves people — pages, reports, board sockets, admin —
/// and keeps the live board from what ingest instances publish through Redis.
/// </summary>
public enum ServerRole
{
    All,
    Ingest,
    Web,
}

public static class ServerRoles
{
    public const string Setting = "Presently:Role";

    public static readonly string[] Names = ["all", "ingest", "web"];

    /// <summary>The configured role; a value that is none of them stops the start with one line.</summary>
    public static ServerRole From(IConfiguration configuration)
    {
        var value = configuration[Setting];
        if (string.IsNullOrWhiteSpace(value)) return ServerRole.All;
        return Array.IndexOf(Names, value.Trim().ToLowerInvariant()) is var i and >= 0
            ? (ServerRole)i
            : throw new OptionsValidationException(Setting, typeof(ServerRole), [$"{Setting} is all, ingest or web, not '{value}'"]);
    }

    /// <summary>Whether this instance serves agents' sockets and enrollment.</summary>
    public static bool ServesAgents(this ServerRole role) => role != ServerRole.Web;

    /// <summary>Whether this instance serves people, and so keeps a live board.</summary>
    public static bool ServesPeople(this ServerRole role) => role != ServerRole.Ingest;
}
