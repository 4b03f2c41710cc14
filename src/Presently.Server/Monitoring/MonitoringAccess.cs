using System.Net;
using Microsoft.AspNetCore.Authorization;
using Microsoft.Extensions.Options;
using Presently.Server.Auth;

namespace Presently.Server.Monitoring;

/// <summary>
/// The monitoring policy: a signed-in admin, or a request from a network <see cref="MonitoringOptions"/>
/// lists (behind a proxy, the client's address as the forwarded headers of a known proxy give it).
/// </summary>
public sealed class MonitoringAccess(IOptions<MonitoringOptions> options) : AuthorizationHandler<MonitoringAccess>, IAuthorizationRequirement
{
    public const string Policy = "monitoring";

    private readonly IReadOnlyList<IPNetwork> _networks = options.Value.Networks();

    protected override Task HandleRequirementAsync(AuthorizationHandlerContext context, MonitoringAccess requirement)
    {
        if (context.User.IsAdmin() && context.User.Identity?.AuthenticationType != ApiTokenAuthentication.Scheme) context.Succeed(requirement);
        else if (context.Resource is HttpContext http && http.Connection.RemoteIpAddress is { } address && Allowed(address)) context.Succeed(requirement);
        return Task.CompletedTask;
    }

    private bool Allowed(IPAddress address)
    {
        if (address.IsIPv4MappedToIPv6) address = address.MapToIPv4();
        foreach (var network in _networks)
            if (network.Contains(address)) return true;
        return false;
    }
}
