using System.ComponentModel.DataAnnotations;

namespace Presently.Server.Options;

/// <summary>Settings under <c>Presently</c> in appsettings.json, environment (PRESENTLY__…) or the command line.</summary>
public sealed class ServerOptions
{
    public const string Section = "Presently";

    /// <summary>Where the SQLite file lives; created on first run.</summary>
    [Required]
    public string DataDirectory { get; set; } = DefaultDataDirectory();

    /// <summary>
    /// A shared agent credential for development and tests only. Off (empty) by default: agents
    /// enroll with a one-time code and get their own credential.
    /// </summary>
    [MaxLength(512)]
    public string? DevelopmentAgentToken { get; set; }

    /// <summary>The person that agents using the development credential belong to.</summary>
    [Required, MaxLength(128)]
    public string DevelopmentPerson { get; set; } = Environment.UserName;

    /// <summary>How often the agent checkpoints an open span (sent in Welcome).</summary>
    [Range(1000, 300_000)]
    public int CheckpointIntervalMs { get; set; } = 5000;

    /// <summary>How often an open board WebSocket checks that its sign-in still holds (not signed out, same role).</summary>
    [Range(typeof(TimeSpan), "00:00:00.050", "00:10:00")]
    public TimeSpan SessionRecheckInterval { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>How long a new agent connection may take to say Hello.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "00:10:00")]
    public TimeSpan HelloTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// An agent whose clock (from Hello) is further off than this has its span times shifted by the
    /// measured offset, whole seconds, before they are validated and stored.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00")]
    public TimeSpan ClockSkewThreshold { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>How long a new enrollment code stays valid.</summary>
    [Range(typeof(TimeSpan), "00:01:00", "30.00:00:00")]
    public TimeSpan EnrollmentCodeLifetime { get; set; } = TimeSpan.FromHours(24);

    /// <summary>
    /// What members see of other people, on the board, in reports and in the API alike (admins see
    /// everything, everyone sees all of their own). See <see cref="Auth.MemberView"/>.
    /// </summary>
    public Auth.MemberView MembersSee { get; set; } = Auth.MemberView.Presence;

    /// <summary>
    /// How long a session may last from sign-in, however active (the cookie also expires after
    /// 12 hours unused). Signing in again starts a new one.
    /// </summary>
    [Range(typeof(TimeSpan), "00:05:00", "365.00:00:00")]
    public TimeSpan SessionMaxAge { get; set; } = TimeSpan.FromDays(7);

    /// <summary>Sign-in and enrollment attempts allowed per client IP per minute.</summary>
    [Range(1, 10_000)]
    public int AuthAttemptsPerMinute { get; set; } = 10;

    /// <summary>Frames per second one agent may send (sustained; bursts of ten times that). Above it the server reads more slowly.</summary>
    [Range(1, 1_000_000)]
    public int AgentFramesPerSecond { get; set; } = 200;

    /// <summary>
    /// Span records per second one agent may send (sustained). A desktop makes a few a minute;
    /// replays after an outage run at this pace (eight offline hours in well under a minute).
    /// </summary>
    [Range(1, 10_000_000)]
    public int AgentSpansPerSecond { get; set; } = 2_000;

    /// <summary>
    /// Bytes one agent may store per UTC day of span time (64 per span plus its app, title and
    /// context). A busy desktop stores 1-3 MB a day. Past it, spans keep their time and app (cut to
    /// 32 characters) but lose title and context; the Agents page warns from 80 %.
    /// </summary>
    [Range(1, 100_000)]
    public int AgentDailyQuotaMegabytes { get; set; } = 16;

    /// <summary>
    /// Spans one agent may store per UTC day of span time: more than one a second all day long.
    /// Past it, new spans of that day are not stored (and the Agents page says so).
    /// </summary>
    [Range(1, 100_000_000)]
    public int AgentDailySpanLimit { get; set; } = 100_000;

    /// <summary>How far before its enrollment (or first Hello) an agent's spans may start: time it recorded before it could send.</summary>
    [Range(typeof(TimeSpan), "01:00:00", "3650.00:00:00")]
    public TimeSpan AgentOfflineWindow { get; set; } = TimeSpan.FromDays(7);

    /// <summary>Reports computed at once; more wait in a queue of <see cref="ReportQueue"/>, beyond that they get 503.</summary>
    [Range(1, 1024)]
    public int ReportConcurrency { get; set; } = Math.Max(2, Environment.ProcessorCount);

    /// <summary>Reports that may wait for a free slot.</summary>
    [Range(0, 100_000)]
    public int ReportQueue { get; set; } = 32;

    /// <summary>Rows in one report; the smallest groups beyond it are folded into one "(other)" row, every second still counted.</summary>
    [Range(10, 1_000_000)]
    public int ReportMaxRows { get; set; } = 1000;

    /// <summary>A report (waiting included) that takes longer is stopped and answered 503.</summary>
    [Range(typeof(TimeSpan), "00:00:00.001", "00:10:00")]
    public TimeSpan ReportTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Reverse proxies (IP addresses) whose X-Forwarded-For/-Proto headers are trusted. See docs/deploy.md.</summary>
    public List<string> KnownProxies { get; set; } = [];

    /// <summary>Origins (scheme://host:port) browsers may open the board WebSocket from, besides the server's own.</summary>
    public List<string> AllowedOrigins { get; set; } = [];

    /// <summary>
    /// When a card says "in a meeting": a rule matches when each of its given patterns (regular
    /// expressions, case-insensitive) finds a match in the span's app, site or title. Empty means the
    /// default rules (<see cref="Live.MeetingRules.Defaults"/>); any rule given replaces them all.
    /// </summary>
    public List<MeetingRuleOptions> MeetingRules { get; set; } = [];

    /// <summary>Optional OpenID Connect sign-in; off unless <see cref="OidcOptions.Authority"/> is set. See docs/deploy.md.</summary>
    public OidcOptions Oidc { get; set; } = new();

    /// <summary>
    /// Where the agent builds to hand out are (deploy/build-agents.sh lays them out); empty means
    /// <c>&lt;DataDirectory&gt;/agents</c>. See docs/deploy.md, "Agent builds and downloads".
    /// </summary>
    [MaxLength(4096)]
    public string? AgentBuildsDirectory { get; set; }

    /// <summary>The address install scripts and enrollment lines give agents (e.g. behind a proxy); empty means the request's own.</summary>
    [RegularExpression(@"^https?://[A-Za-z0-9.\-\[\]:]+(/[A-Za-z0-9._~\-/]*)?$", ErrorMessage = "PublicUrl must be an http(s):// address with no query")]
    public string? PublicUrl { get; set; }

    /// <summary>
    /// The self-signed certificate computers see (PEM or DER, no key): install lines pin its public
    /// key for the downloads and its fingerprint for the agent. Unset: Kestrel's own self-signed
    /// certificate, if it has one. See <see cref="PublicCertificate"/> and docs/deploy.md.
    /// </summary>
    [MaxLength(4096)]
    public string? PublicCertificatePath { get; set; }

    /// <summary>
    /// The certificate's SHA-256 fingerprint alone, from before <see cref="PublicCertificatePath"/>:
    /// the agent and the PowerShell line pin it, but curl can pin only a public key, so without the
    /// certificate file the shell line is not offered.
    /// </summary>
    [RegularExpression("^[0-9A-Fa-f]{2}(:?[0-9A-Fa-f]{2}){31}$", ErrorMessage = "PublicCertificateSha256 must be 32 hex bytes, colons allowed")]
    public string? PublicCertificateSha256 { get; set; }

    public string AgentBuildsPath => string.IsNullOrEmpty(AgentBuildsDirectory) ? Path.Combine(DataDirectory, "agents") : AgentBuildsDirectory;

    public string DatabasePath => Path.Combine(DataDirectory, "presently.db");

    public long AgentDailyQuotaBytes => AgentDailyQuotaMegabytes * 1024L * 1024L;

    public Storage.StoreLimits StoreLimits => new(AgentDailyQuotaBytes, AgentDailySpanLimit);

    private static string DefaultDataDirectory()
    {
        var xdg = Environment.GetEnvironmentVariable("XDG_DATA_HOME");
        var root = string.IsNullOrEmpty(xdg)
            ? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".local", "share")
            : xdg;
        return Path.Combine(root, "presently");
    }
}

/// <summary>One "in a meeting" rule: patterns for the app, the site (browser tab's host) and the window title; null means any.</summary>
public sealed class MeetingRuleOptions
{
    [MaxLength(256)] public string? App { get; set; }
    [MaxLength(256)] public string? Site { get; set; }
    [MaxLength(256)] public string? Title { get; set; }
}

/// <summary>
/// Sign-in through an OpenID Connect provider (authorization code flow with PKCE). It signs in
/// people who already exist here: by the provider account (issuer and subject) bound to them, or
/// the first time by a verified e-mail an admin set for them. It creates no one; names never match.
/// </summary>
public sealed class OidcOptions
{
    public string? Authority { get; set; }

    public string? ClientId { get; set; }

    public string? ClientSecret { get; set; }

    /// <summary>The provider's name for the person; only shown in the audit log, never used to match.</summary>
    public string NameClaim { get; set; } = "preferred_username";

    public string DisplayName { get; set; } = "single sign-on";

    public bool Enabled => !string.IsNullOrEmpty(Authority);
}

