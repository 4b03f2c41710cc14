using Microsoft.AspNetCore.Mvc;
using Presently.Server.Auth;
using Presently.Storage;

namespace Presently.Server.Agents;

public sealed record EnrollRequest(string? Code, string? Host, string? Os, string? AgentVersion);

public sealed record EnrollResponse(string AgentId, string Credential, string Person);

public static class EnrollmentEndpoints
{
    public static IEndpointRouteBuilder MapEnrollment(this IEndpointRouteBuilder app)
    {
        // Agents enroll without a session: the one-time code is the proof. Limited per IP against guessing.
        app.MapPost("/api/v1/enroll", async Task<IResult> ([FromBody] EnrollRequest request, HttpContext ctx, IAgentRegistry registry,
            IAuditLog audit, TimeProvider time) =>
        {
            var code = EnrollmentCodes.Normalize(request.Code);
            var host = Bounded(request.Host, 255) ?? "unknown";
            var os = Bounded(request.Os, 128) ?? "unknown";
            var version = Bounded(request.AgentVersion, 64) ?? "unknown";
            var now = time.GetUtcNow();
            if (code is null)
                return TypedResults.Problem("an enrollment code is 12 letters and digits, like ABCD-EFGH-JKMN", statusCode: StatusCodes.Status400BadRequest, title: "Bad code");

            var agentId = Guid.NewGuid().ToString("N");
            var (secret, hash) = AgentCredentials.NewSecret();
            var (outcome, person) = await registry.RedeemCodeAsync(EnrollmentCodes.Hash(code), agentId, hash, host, os, version, now);
            if (outcome != RedeemOutcome.Enrolled)
            {
                await audit.WriteAsync(now, ctx.Connection.RemoteIpAddress?.ToString() ?? "", "enrollment refused", code[..4] + "…", outcome.ToString().ToLowerInvariant());
                return TypedResults.Problem($"the code is {outcome.ToString().ToLowerInvariant()}", statusCode: StatusCodes.Status401Unauthorized, title: "Enrollment refused");
            }
            await audit.WriteAsync(now, person!, "enrolled agent", agentId, $"{host} ({os}) with code {code[..4]}…");
            return TypedResults.Ok(new EnrollResponse(agentId, secret, person!));
        }).AllowAnonymous().DisableAntiforgery().RequireRateLimiting(AuthSetup.EnrollRateLimit).WithMetadata(new RequestSizeLimitAttribute(4096));
        return app;
    }

    private static string? Bounded(string? s, int max) => string.IsNullOrWhiteSpace(s) ? null : s.Length <= max ? s : s[..max];
}
