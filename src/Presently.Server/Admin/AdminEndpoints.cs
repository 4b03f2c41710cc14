using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;
using Presently.Server.Agents;
using Presently.Server.Api;
using Presently.Server.Auth;
using Presently.Server.Options;
using Presently.Storage;
using static Presently.Server.Html.Html;

namespace Presently.Server.Admin;

public static class AdminEndpoints
{
    public static IEndpointRouteBuilder MapAdmin(this IEndpointRouteBuilder app)
    {
        var admin = app.MapGroup("/admin").RequireAuthorization(Policies.Admin);

        admin.MapGet("/agents", async (HttpContext ctx, IAgentRegistry registry, IAccountStore accounts, AgentConnections connections,
            ISpanStore store, IOptions<ServerOptions> options, TimeProvider time) =>
        {
            // Agent-days of the last two weeks at 80 % of a daily limit or more: about to lose detail, or losing it.
            var o = options.Value;
            var heavy = await store.GetQuotaUseAsync(time.GetUtcNow().AddDays(-14), o.AgentDailyQuotaBytes * 8 / 10, o.AgentDailySpanLimit * 8L / 10);
            return Page<AgentsPage>(new { Agents = await registry.ListAgentsAsync(), People = await accounts.ListPeopleAsync(), Connections = connections, Heavy = heavy, Limits = o.StoreLimits });
        });

        admin.MapPost("/agents/{id}/block", async (HttpContext ctx, string id, AgentAdmin a) => Done(await a.BlockAsync(ctx.User.PersonName(), id)));
        admin.MapPost("/agents/{id}/unblock", async (HttpContext ctx, string id, AgentAdmin a) => Done(await a.UnblockAsync(ctx.User.PersonName(), id)));
        admin.MapPost("/agents/{id}/remove", async (HttpContext ctx, string id, [FromForm] string? data, AgentAdmin a) =>
            Done(await a.RemoveAsync(ctx.User.PersonName(), id, deleteData: data == "delete")));
        admin.MapPost("/agents/{id}/rename", async (HttpContext ctx, string id, [FromForm] string? name, AgentAdmin a) =>
            Done(await a.RenameAsync(ctx.User.PersonName(), id, name)));
        admin.MapPost("/agents/{id}/reassign", async (HttpContext ctx, string id, [FromForm] long personId, AgentAdmin a) =>
            Done(await a.ReassignAsync(ctx.User.PersonName(), id, personId)));

        admin.MapGet("/codes", async (IAgentRegistry registry, TimeProvider time) =>
            Page<CodesPage>(new { Codes = await registry.ListCodesAsync(), Now = time.GetUtcNow() }));

        admin.MapPost("/codes", async (HttpContext ctx, [FromForm] string? person, [FromForm] int? hours, EnrollmentCodes codes,
            IAgentRegistry registry, IOptions<ServerOptions> options, TimeProvider time) =>
        {
            if (string.IsNullOrWhiteSpace(person) || person.Length > 128) return Results.BadRequest("name the person (up to 128 characters)");
            var lifetime = hours is > 0 and <= 24 * 30 ? TimeSpan.FromHours(hours.Value) : options.Value.EnrollmentCodeLifetime;
            var created = await codes.CreateAsync(person.Trim(), ctx.User.PersonName(), lifetime);
            return Page<CodesPage>(new { Codes = await registry.ListCodesAsync(), Now = time.GetUtcNow(), Created = created });
        });

        admin.MapPost("/codes/{id:long}/revoke", async (HttpContext ctx, long id, IAgentRegistry registry, IAuditLog audit, TimeProvider time) =>
        {
            if (!await registry.RevokeCodeAsync(id, time.GetUtcNow())) return Results.NotFound();
            await audit.WriteAsync(time.GetUtcNow(), ctx.User.PersonName(), "revoked enrollment code", id.ToString(System.Globalization.CultureInfo.InvariantCulture));
            return Results.LocalRedirect("/admin/codes");
        });

        admin.MapGet("/audit", async (HttpContext ctx, long? before, string? action, IAuditLog audit) =>
        {
            action = string.IsNullOrEmpty(action) || action.Length > AuditEntry.MaxFieldLength ? null : action;
            return Page<AuditPage>(new { Entries = await audit.ListAsync(AuditPage.PageSize, before, action), Actions = await audit.ListActionsAsync(), Before = before, Action = action });
        });

        admin.MapGet("/people", async (IAccountStore accounts, ITeamStore teams) => await PeopleAsync(accounts, teams, null));

        admin.MapPost("/people/{id:long}/team", async (HttpContext ctx, long id, [FromForm] string? teamId, Teams teams) =>
        {
            long? team = string.IsNullOrEmpty(teamId) ? null
                : long.TryParse(teamId, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var t) ? t : -1;
            return team == -1 || !await teams.SetTeamAsync(ctx.User.PersonName(), id, team) ? Results.NotFound() : Results.LocalRedirect("/admin/people");
        });

        admin.MapGet("/teams", async (ITeamStore teams) => await TeamsAsync(teams, null));

        admin.MapPost("/teams", async (HttpContext ctx, [FromForm] string? name, Teams teams, ITeamStore store) =>
            (Teams.NameProblem(name) ?? await teams.CreateAsync(ctx.User.PersonName(), name!)) is { } problem
                ? await TeamsAsync(store, problem) : Results.LocalRedirect("/admin/teams"));

        admin.MapPost("/teams/{id:long}/rename", async (HttpContext ctx, long id, [FromForm] string? name, Teams teams, ITeamStore store) =>
            (Teams.NameProblem(name) ?? await teams.RenameAsync(ctx.User.PersonName(), id, name!)) is { } problem
                ? await TeamsAsync(store, problem) : Results.LocalRedirect("/admin/teams"));

        admin.MapPost("/teams/{id:long}/delete", async (HttpContext ctx, long id, Teams teams) =>
            await teams.DeleteAsync(ctx.User.PersonName(), id) ? Results.LocalRedirect("/admin/teams") : Results.NotFound());

        admin.MapPost("/people/{id:long}", async (HttpContext ctx, long id, [FromForm] string? email, [FromForm] string? role,
            IAccountStore accounts, ITeamStore teams, IAuditLog audit, TimeProvider time) =>
        {
            var person = await accounts.GetPersonAsync(id);
            if (person is null) return Results.NotFound();
            var newRole = role switch { "admin" => Role.Admin, "member" => Role.Member, _ => (Role?)null };
            email = string.IsNullOrWhiteSpace(email) ? null : email.Trim().ToLowerInvariant();
            string? problem = newRole is null ? "A role is admin or member."
                : person.Id == ctx.User.PersonId() && newRole != person.Role ? "You cannot change your own role: ask another admin."
                : email is not null && (email.Length > 254 || !email.Contains('@', StringComparison.Ordinal)) ? "That is not an e-mail address."
                : email is not null && await accounts.FindByEmailAsync(email) is { } other && other.Id != id ? $"{other.Name} has that e-mail address."
                : null;
            if (problem is not null) return await PeopleAsync(accounts, teams, problem);
            await accounts.UpdatePersonAsync(id, newRole!.Value, email);
            await audit.WriteAsync(time.GetUtcNow(), ctx.User.PersonName(), "changed person", person.Name,
                $"role {newRole.Value.ToString().ToLowerInvariant()}, e-mail {email ?? "(none)"}");
            return Results.LocalRedirect("/admin/people");
        });

        admin.MapGet("/retention", async (IAccountStore accounts, RetentionService retention) =>
            Page<RetentionPage>(new { Settings = await RetentionSettings.LoadAsync(accounts), LastRun = retention.LastRun }));

        admin.MapPost("/retention", async (HttpContext ctx, [FromForm] string? months, [FromForm] string? rollups,
            IAccountStore accounts, IAuditLog audit, RetentionService retention, TimeProvider time) =>
        {
            var old = await RetentionSettings.LoadAsync(accounts);
            var n = int.TryParse(months?.Trim(), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var m) ? m : -1;
            string? problem = n is < 0 or > RetentionSettings.MaxMonths ? $"Months are a whole number from 0 (keep forever) to {RetentionSettings.MaxMonths}."
                : rollups is not ("keep" or "delete") ? "Choose whether the hourly and daily totals are kept or deleted."
                : null;
            if (problem is not null) return Page<RetentionPage>(new { Settings = old, LastRun = retention.LastRun, Problem = problem }, StatusCodes.Status400BadRequest);
            var settings = new RetentionSettings(n, rollups == "keep");
            await settings.SaveAsync(accounts);
            await audit.WriteAsync(time.GetUtcNow(), ctx.User.PersonName(), "changed retention", "retention", $"{old.Describe()} → {settings.Describe()}");
            // Applied now, not at the next daily run.
            retention.RunSoon();
            return Results.LocalRedirect("/admin/retention");
        });

        // Agents as JSON: admins see all, members their own.
        app.MapGet("/api/v1/agents", async (HttpContext ctx, IAgentRegistry registry, AgentConnections connections) =>
        {
            var all = await registry.ListAgentsAsync();
            var visible = ctx.User.IsAdmin() ? all : all.Where(a => a.PersonId == ctx.User.PersonId()).ToList();
            return TypedResults.Ok(visible.Select(a => AgentResponse.Of(a, connections)));
        }).ForMembers()
            .WithName("ListAgents")
            .WithTags("Agents")
            .WithSummary("Enrolled computers")
            .WithDescription("Every enrolled agent that is not removed, by owner and host: all of them for an admin, a member's own for a member. "
                + "Online is whether the agent is connected to this server now.")
            .Responds(StatusCodes.Status200OK, "The agents, by owner and host.")
            .WithExample();
        return app;
    }

    private static async Task<IResult> PeopleAsync(IAccountStore accounts, ITeamStore teams, string? problem) =>
        Page<PeoplePage>(new { People = await accounts.ListPeopleAsync(), Teams = await teams.ListTeamsAsync(), Members = await teams.ListMembershipsAsync(), Problem = problem },
            problem is null ? StatusCodes.Status200OK : StatusCodes.Status400BadRequest);

    private static async Task<IResult> TeamsAsync(ITeamStore teams, string? problem) =>
        Page<TeamsPage>(new { TeamList = await teams.ListTeamsAsync(), Members = await teams.ListMembershipsAsync(), Problem = problem },
            problem is null ? StatusCodes.Status200OK : StatusCodes.Status400BadRequest);

    private static IResult Done(bool found) => found ? Results.LocalRedirect("/admin/agents") : Results.NotFound();
}
