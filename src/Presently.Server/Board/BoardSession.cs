using System.Security.Claims;
using Presently.Server.Auth;
using Presently.Storage;

namespace Presently.Server.Board;

/// <summary>
/// The sign-in behind one board WebSocket. The cookie is checked once, at the upgrade; a socket
/// lives for hours, so it re-checks the person every <c>SessionRecheckInterval</c> and ends the
/// stream when the session was revoked (security stamp changed, person gone), the role changed
/// (what the board may show depends on it), or the session reached its maximum age.
/// </summary>
internal sealed class BoardSession(ClaimsPrincipal user, IAccountStore accounts, TimeProvider time, TimeSpan interval, TimeSpan maxAge)
{
    private readonly long _personId = user.PersonId();
    private readonly string? _stamp = user.FindFirstValue(ClaimsExtensions.StampClaim);
    private readonly bool _isAdmin = user.IsAdmin();
    private readonly DateTimeOffset _expires = user.SignedInAt(time) + maxAge;

    public bool Ended { get; private set; }

    /// <summary>Polls until <paramref name="stream"/> is cancelled; cancels it when the session no longer holds.</summary>
    public async Task WatchAsync(CancellationTokenSource stream)
    {
        using var timer = new PeriodicTimer(interval, time);
        try
        {
            while (await timer.WaitForNextTickAsync(stream.Token))
            {
                var person = await accounts.GetPersonAsync(_personId, stream.Token);
                if (person is not null && person.SecurityStamp == _stamp && (person.Role == Role.Admin) == _isAdmin && time.GetUtcNow() < _expires) continue;
                Ended = true;
                await stream.CancelAsync();
                return;
            }
        }
        catch (OperationCanceledException)
        {
        }
    }
}
