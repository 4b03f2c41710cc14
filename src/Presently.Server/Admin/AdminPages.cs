using System.Globalization;
using System.Text;
using Presently.Server.Agents;
using Presently.Storage;
using static Presently.Server.Html.Html;

namespace Presently.Server.Admin;

/// <summary>The admin pages. Every value is encoded; every form carries the antiforgery token.</summary>
internal static class AdminPages
{
    public static IResult Agents(HttpContext ctx, IReadOnlyList<AgentAdminView> agents, IReadOnlyList<Person> people, AgentConnections connections,
        DateTimeOffset now, IReadOnlyList<QuotaUse> heavy, StoreLimits limits)
    {
        var af = Antiforgery(ctx);
        var sb = new StringBuilder("<h1>Agents</h1>");
        if (heavy.Count > 0)
        {
            sb.Append(CultureInfo.InvariantCulture, $"""
                <div class="alert" id="quota-alert"><p>Storage quota: these agents stored 80 % or more of what one agent may store in a day
                ({limits.DailyQuotaBytes / (1024 * 1024)} MB, <code>Presently:AgentDailyQuotaMegabytes</code>; {limits.DailySpans:N0} spans, <code>Presently:AgentDailySpanLimit</code>).
                Past the bytes, that day's spans keep their time and app (cut to 32 characters) but no title or context; past the spans, that day's new spans are not stored.
                A desktop does not come near either: look at what this agent sends.</p><ul>
                """);
            foreach (var h in heavy)
            {
                var over = h.Bytes >= limits.DailyQuotaBytes || h.Spans >= limits.DailySpans;
                sb.Append(CultureInfo.InvariantCulture, $"""<li><strong>{E(h.AgentId)}</strong> ({E(h.PersonName)}, {E(h.Host)}) on {E(h.Day.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture))}: {h.Bytes / (1024.0 * 1024):0.0} MB in {h.Spans:N0} spans{(over ? " — over quota" : "")}</li>""");
            }
            sb.Append("</ul></div>");
        }
        if (agents.Count == 0) sb.Append("""<p class="empty">No agents yet. Create an <a href="/admin/codes">enrollment code</a>.</p>""");
        sb.Append("""<table class="admin" id="agents"><thead><tr><th>Agent</th><th>Owner</th><th>Host / OS</th><th>Version</th><th>State</th><th>Last seen</th><th>Clock</th><th>Actions</th></tr></thead><tbody>""");
        foreach (var a in agents)
        {
            var id = Uri.EscapeDataString(a.AgentId);
            var online = connections.IsConnected(a.AgentId) ? "online" : "offline";
            var options = string.Concat(people.Select(p => $"""<option value="{Num(p.Id)}"{(p.Id == a.PersonId ? " selected" : "")}>{E(p.Name)}</option>"""));
            sb.Append(CultureInfo.InvariantCulture, $"""
                <tr data-agent="{E(a.AgentId)}">
                  <td><strong>{E(a.Name ?? a.Host)}</strong><br><small>{E(a.AgentId)}</small></td>
                  <td>{E(a.Person)}</td>
                  <td>{E(a.Host)}<br><small>{E(a.Os)}</small></td>
                  <td>{E(a.Version)}</td>
                  <td class="state">{E(a.Status.Name())}, {online}</td>
                  <td>{E(a.LastSeen.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture))} UTC</td>
                  <td>{(a.ClockOffsetMs is > -1000 and < 1000 ? "ok" : E($"{a.ClockOffsetMs / 1000.0:+0.#;-0.#} s"))}</td>
                  <td>
                    <form method="post" action="/admin/agents/{id}/rename">{af}<input name="name" value="{E(a.Name)}" placeholder="name" maxlength="128"><button>Rename</button></form>
                    <form method="post" action="/admin/agents/{id}/reassign">{af}<select name="personId">{options}</select><button>Reassign</button></form>
                    <form method="post" action="/admin/agents/{id}/{(a.Status == AgentStatus.Blocked ? "unblock" : "block")}">{af}<button class="{(a.Status == AgentStatus.Blocked ? "unblock" : "block")}">{(a.Status == AgentStatus.Blocked ? "Unblock" : "Block")}</button></form>
                    <form method="post" action="/admin/agents/{id}/remove">{af}
                      <label><input type="radio" name="data" value="keep" checked> keep its data</label>
                      <label><input type="radio" name="data" value="delete"> delete its data</label>
                      <button class="remove">Remove</button></form>
                  </td>
                </tr>
                """);
        }
        sb.Append("</tbody></table>");
        return Page(ctx, "Agents", sb.ToString());
    }

    public static IResult Codes(HttpContext ctx, IReadOnlyList<EnrollmentCodeInfo> codes, DateTimeOffset now, (string Code, DateTimeOffset Expires)? created)
    {
        var af = Antiforgery(ctx);
        var sb = new StringBuilder("<h1>Enrollment codes</h1>");
        if (created is { } c)
        {
            sb.Append(CultureInfo.InvariantCulture, $"""
                <p>New code, valid once until {E(c.Expires.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture))} UTC. It is shown only now:</p>
                <p class="code" id="new-code">{E(c.Code)}</p>
                {Downloads.EnrollmentLines.Render(ctx, c.Code)}
                """);
        }
        sb.Append(CultureInfo.InvariantCulture, $"""
            <form class="stack" method="post" action="/admin/codes">{af}
              <label>Person <input name="person" required maxlength="128"></label>
              <label>Valid for hours <input name="hours" type="number" min="1" max="720" value="24"></label>
              <button type="submit">Create code</button>
            </form>
            <table class="admin" id="codes"><thead><tr><th>Code</th><th>Person</th><th>Created</th><th>Expires</th><th>State</th><th></th></tr></thead><tbody>
            """);
        foreach (var code in codes)
        {
            var state = code.State(now);
            sb.Append(CultureInfo.InvariantCulture, $"""
                <tr><td>{E(code.Hint)}…</td><td>{E(code.Person)}</td><td>{E(code.Created.ToString("u", CultureInfo.InvariantCulture))} by {E(code.CreatedBy)}</td>
                <td>{E(code.Expires.ToString("u", CultureInfo.InvariantCulture))}</td><td>{E(state)}{(code.UsedByAgent is null ? "" : $" by {E(code.UsedByAgent)}")}</td>
                <td>{(state == "open" ? $"""<form method="post" action="/admin/codes/{Num(code.Id)}/revoke">{af}<button>Revoke</button></form>""" : "")}</td></tr>
                """);
        }
        sb.Append("</tbody></table>");
        return Page(ctx, "Enrollment", sb.ToString());
    }

    public const int AuditPageSize = 100;

    public static IResult Audit(HttpContext ctx, IReadOnlyList<AuditEntry> entries, IReadOnlyList<string> actions, long? before, string? action)
    {
        var filter = string.Concat(actions.Select(a => $"""<option value="{E(a)}"{(a == action ? " selected" : "")}>{E(a)}</option>"""));
        var sb = new StringBuilder($"""
            <h1>Audit log</h1>
            <form class="inline" method="get" action="/admin/audit">
              <label>Action <select name="action"><option value="">all</option>{filter}</select></label> <button type="submit">Show</button>
            </form>
            <table class="admin" id="audit"><thead><tr><th>When (UTC)</th><th>Who</th><th>What</th><th>Target</th><th>Detail</th></tr></thead><tbody>
            """);
        foreach (var e in entries)
            sb.Append(CultureInfo.InvariantCulture, $"<tr><td>{E(e.At.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture))}</td><td>{E(e.Actor)}</td><td>{E(e.Action)}</td><td>{E(e.Target)}</td><td>{E(e.Detail)}</td></tr>");
        sb.Append("</tbody></table><p class=\"pages\">");
        var only = action is null ? "" : "&action=" + Uri.EscapeDataString(action);
        if (before is not null) sb.Append(CultureInfo.InvariantCulture, $"""<a id="newest" href="{E("/admin/audit?" + only.TrimStart('&'))}">Newest</a> """);
        // A full page may have older entries behind it; the next page starts below its last id.
        if (entries.Count == AuditPageSize) sb.Append(CultureInfo.InvariantCulture, $"""<a id="older" href="{E($"/admin/audit?before={Num(entries[^1].Id)}{only}")}">Older</a>""");
        sb.Append("</p>");
        return Page(ctx, "Audit", sb.ToString());
    }

    public static IResult People(HttpContext ctx, IReadOnlyList<Person> people, string? problem, int status = StatusCodes.Status200OK)
    {
        var af = Antiforgery(ctx);
        var sb = new StringBuilder("<h1>People</h1>");
        if (problem is not null) sb.Append(CultureInfo.InvariantCulture, $"""<p class="error">{E(problem)}</p>""");
        sb.Append("""
            <p>Single sign-on signs a person in when the provider vouches for the e-mail address set here (the first time),
            and from then on for that same provider account. A new e-mail address unbinds the account; a new role ends the person's sessions.</p>
            <table class="admin" id="people"><thead><tr><th>Name</th><th>Role, e-mail</th><th>Single sign-on</th></tr></thead><tbody>
            """);
        foreach (var p in people)
        {
            sb.Append(CultureInfo.InvariantCulture, $"""
                <tr data-person="{Num(p.Id)}"><td>{E(p.Name)}</td>
                  <td><form method="post" action="/admin/people/{Num(p.Id)}">{af}
                    <select name="role"><option value="member"{(p.Role == Role.Member ? " selected" : "")}>member</option><option value="admin"{(p.Role == Role.Admin ? " selected" : "")}>admin</option></select>
                    <input name="email" type="email" value="{E(p.Email)}" placeholder="e-mail" maxlength="254"><button>Save</button></form></td>
                  <td>{(p.OidcSubject is null ? "not bound" : "bound")}</td></tr>
                """);
        }
        sb.Append("</tbody></table>");
        ctx.Response.StatusCode = status;
        return Page(ctx, "People", sb.ToString());
    }

    public static IResult Retention(HttpContext ctx, RetentionSettings settings, RetentionRun? lastRun, string? problem, int status = StatusCodes.Status200OK)
    {
        var af = Antiforgery(ctx);
        var sb = new StringBuilder("<h1>Retention</h1>");
        if (problem is not null) sb.Append(CultureInfo.InvariantCulture, $"""<p class="error">{E(problem)}</p>""");
        sb.Append(CultureInfo.InvariantCulture, $"""
            <p>Spans older than this many months are deleted for good: every day, and at once when you save. The cutoff is the
            UTC midnight that many months ago; a span reaching past it keeps its time after it. 0 keeps everything.</p>
            <form class="stack" method="post" action="/admin/retention">{af}
              <label>Delete spans older than months <input name="months" type="number" min="0" max="{Num(RetentionSettings.MaxMonths)}" value="{Num(settings.Months)}" required></label>
              <label><input type="radio" name="rollups" value="keep"{(settings.KeepRollups ? " checked" : "")}> keep the hourly and daily totals (reports of those days still show hours per person and app)</label>
              <label><input type="radio" name="rollups" value="delete"{(settings.KeepRollups ? "" : " checked")}> delete them too (nothing of that time is left)</label>
              <button type="submit">Save</button>
            </form>
            <p id="retention-state">Now: {E(settings.Describe())}.</p>
            """);
        if (lastRun is { } run)
        {
            var what = run.Error is not null ? $"failed: {run.Error}"
                : run.Cutoff is not { } cutoff ? "retention was off"
                : string.Create(CultureInfo.InvariantCulture, $"deleted {run.Result?.SpanRows ?? 0:N0} span rows and {run.Result?.RollupRows ?? 0:N0} rollup rows before {cutoff:yyyy-MM-dd}");
            sb.Append(CultureInfo.InvariantCulture, $"""<p id="retention-last">Last run {E(run.At.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture))} UTC: {E(what)}.</p>""");
        }
        ctx.Response.StatusCode = status;
        return Page(ctx, "Retention", sb.ToString());
    }
}
