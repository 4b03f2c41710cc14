using System.Security.Claims;
using Presently.Storage;

namespace Presently.Server.Auth;

public static class Policies
{
    public const string Admin = "admin";
    public const string Member = "member";
}

public static class ClaimsExtensions
{
    public const string PersonIdClaim = "presently:person";
    public const string StampClaim = "presently:stamp";
    public const string SignedInClaim = "presently:signed-in";

    public static long PersonId(this ClaimsPrincipal user) =>
        long.TryParse(user.FindFirstValue(PersonIdClaim), System.Globalization.CultureInfo.InvariantCulture, out var id) ? id : 0;

    public static string PersonName(this ClaimsPrincipal user) => user.Identity?.Name ?? "";

    public static bool IsAdmin(this ClaimsPrincipal user) => user.IsInRole("admin");

    /// <param name="signedIn">When the session began; its maximum age counts from here.</param>
    public static ClaimsPrincipal For(Person person, string scheme, DateTimeOffset signedIn) => new(new ClaimsIdentity(
    [
        new Claim(ClaimTypes.Name, person.Name),
        new Claim(ClaimTypes.Role, person.Role == Role.Admin ? "admin" : "member"),
        new Claim(PersonIdClaim, person.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)),
        new Claim(StampClaim, person.SecurityStamp),
        new Claim(SignedInClaim, signedIn.ToUnixTimeMilliseconds().ToString(System.Globalization.CultureInfo.InvariantCulture)),
    ], scheme));
}
