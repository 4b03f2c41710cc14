using System.ComponentModel;
using Microsoft.AspNetCore.Mvc;
using Presently.Server.Api;
using Presently.Server.Auth;
using Presently.Storage;

namespace Presently.Server.Agents;

[Description("What a computer sends to enroll: the one-time code an admin made, and what it is.")]
public sealed record EnrollRequest(
    [property: Description("The enrollment code from /admin/codes, like ABCD-EFGH-JKMN (case and dashes do not matter).")] string? Code,
    [property: Description("The computer's host name (up to 255 characters).")] string? Host,
    [property: Description("Its operating system (up to 128 characters).")] string? Os,
    [property: Description("The agent's version (up to 64 characters).")] string? AgentVersion);

[Description("The enrolled agent's identity and its own credential: shown once, kept by the agent, stored hashed by the server.")]
public sealed record EnrollResponse(
    [property: Description("The new agent's id.")] string AgentId,
    [property: Description("The agent's secret, for Authorization: Bearer on the agent socket /agent/v1.")] string Credential,
    [property: Description("The person the code was made for, who owns the agent.")] string Person);

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
        }).AllowAnonymous().DisableAntiforgery().RequireRateLimiting(AuthSetup.EnrollRateLimit).WithMetadata(new RequestSizeLimitAttribute(4096))
            .WithName("EnrollAgent")
            .WithTags("Agents")
            .WithSummary("Enroll a computer with a one-time code")
            .WithDescription("What presently-agent enroll and the install scripts call. Needs no session or token: the code is the proof, and works once, "
                + "within its lifetime. Attempts are limited per address (Presently:AuthAttemptsPerMinute); every refusal is in the audit log.")
            .Produces<EnrollResponse>(StatusCodes.Status200OK)
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .Produces(StatusCodes.Status429TooManyRequests)
            .Responds(StatusCodes.Status200OK, "Enrolled: the agent's id and credential.")
            .Responds(StatusCodes.Status400BadRequest, "The code is not shaped like one.")
            .Responds(StatusCodes.Status401Unauthorized, "The code is unknown, used, expired or revoked; the detail says which.")
            .Responds(StatusCodes.Status429TooManyRequests, "Too many attempts from this address in the last minute.")
            .WithExample(body: """{"code":"ABCD-EFGH-JKMN","host":"laptop","os":"Linux","agentVersion":"0.1.0"}""");
        return app;
    }

    private static string? Bounded(string? s, int max) => string.IsNullOrWhiteSpace(s) ? null : s.Length <= max ? s : s[..max];
}
