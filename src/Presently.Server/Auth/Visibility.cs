using System.Security.Claims;
using Microsoft.Extensions.Options;
using Presently.Server.Options;
using Presently.Storage.Reports;

namespace Presently.Server.Auth;

/// <summary>What members see of other people (Presently:MembersSee).</summary>
public enum MemberView
{
    /// <summary>Nothing: only their own cards and reports.</summary>
    Themselves,
    /// <summary>Who is there: name, computer, state and since on the board; per-person totals in reports. No apps, titles or per-app hours.</summary>
    Presence,
    /// <summary>Everything an admin sees of activity: apps, titles and per-app hours of everyone.</summary>
    Everything,
}

/// <summary>How much of one person's activity one viewer may see.</summary>
public enum Detail
{
    None,
    Presence,
    Full,
}

/// <summary>Who is looking: the only input the visibility policy needs.</summary>
public sealed record Viewer(string Person, bool IsAdmin)
{
    public static Viewer Of(ClaimsPrincipal user) => new(user.PersonName(), user.IsAdmin());
}

/// <summary>
/// The one visibility rule, applied by the board (cards and their live updates), the reports page,
/// the report API and the "how others see me" page: admins see everything, everyone sees all of
/// their own, and members see of others what <see cref="ServerOptions.MembersSee"/> allows.
/// </summary>
public sealed class VisibilityPolicy(IOptions<ServerOptions> options)
{
    public MemberView MembersSee => options.Value.MembersSee;

    public Detail For(Viewer viewer, string person) =>
        viewer.IsAdmin || viewer.Person == person ? Detail.Full : OthersForMembers;

    /// <summary>What a member who is not <c>person</c> sees of them.</summary>
    public Detail OthersForMembers => options.Value.MembersSee switch
    {
        MemberView.Everything => Detail.Full,
        MemberView.Presence => Detail.Presence,
        _ => Detail.None,
    };

    /// <summary>
    /// Whose time a report may include: null for everyone's, else only the viewer's own. A member
    /// sees others' per-person totals (grouped by person, team and day only) under Presence.
    /// </summary>
    public string? ReportOnlyPerson(Viewer viewer, IReadOnlyList<ReportDimension> groupBy)
    {
        if (viewer.IsAdmin) return null;
        return OthersForMembers switch
        {
            Detail.Full => null,
            Detail.Presence when groupBy.All(d => d is ReportDimension.Person or ReportDimension.Team or ReportDimension.Day) => null,
            _ => viewer.Person,
        };
    }
}
