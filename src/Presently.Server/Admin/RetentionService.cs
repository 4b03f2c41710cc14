using System.Globalization;
using Presently.Storage;

namespace Presently.Server.Admin;

/// <summary>The retention settings an admin edits on /admin/retention (stored as settings).</summary>
/// <param name="Months">Spans older than this many months are deleted; 0 keeps them forever.</param>
/// <param name="KeepRollups">Whether the hourly and daily totals of the deleted time stay (reports of those days still answer).</param>
public sealed record RetentionSettings(int Months, bool KeepRollups)
{
    public const string MonthsKey = "retention_months";
    public const string KeepRollupsKey = "retention_keep_rollups";
    public const int MaxMonths = 120;

    public static readonly RetentionSettings Default = new(0, true);

    public bool Enabled => Months > 0;

    /// <summary>Missing or unreadable settings keep everything (and would keep the rollups).</summary>
    public static async Task<RetentionSettings> LoadAsync(IAccountStore accounts, CancellationToken ct = default)
    {
        var months = int.TryParse(await accounts.GetSettingAsync(MonthsKey, ct), NumberStyles.None, CultureInfo.InvariantCulture, out var m) && m is > 0 and <= MaxMonths ? m : 0;
        var keep = await accounts.GetSettingAsync(KeepRollupsKey, ct) != "false";
        return new RetentionSettings(months, keep);
    }

    public async Task SaveAsync(IAccountStore accounts, CancellationToken ct = default)
    {
        await accounts.SetSettingAsync(MonthsKey, Months.ToString(CultureInfo.InvariantCulture), ct);
        await accounts.SetSettingAsync(KeepRollupsKey, KeepRollups ? "true" : "false", ct);
    }

    /// <summary>"keep forever, rollups kept" / "3 months, rollups deleted": the audit log's words.</summary>
    public string Describe() => string.Create(CultureInfo.InvariantCulture,
        $"{(Enabled ? $"{Months} month{(Months == 1 ? "" : "s")}" : "keep forever")}, rollups {(KeepRollups ? "kept" : "deleted")}");
}

/// <summary>What the last retention run did, for the admin page.</summary>
public sealed record RetentionRun(DateTimeOffset At, DateTimeOffset? Cutoff, RetentionResult? Result, string? Error);

/// <summary>
/// Deletes spans older than the retention setting: once at start, then every 24 hours, and right
/// after an admin saves the setting. The cutoff is the UTC midnight that many months before now;
/// every run that deleted something is audited.
/// </summary>
public sealed class RetentionService(ISpanStore store, IAccountStore accounts, IAuditLog audit, TimeProvider time, ILogger<RetentionService> log) : BackgroundService
{
    public static readonly TimeSpan Interval = TimeSpan.FromHours(24);

    // At most one run waiting: asking again while one waits changes nothing.
    private readonly SemaphoreSlim _wake = new(0, 1);
    private volatile RetentionRun? _lastRun;

    /// <summary>The last run, or null before the first one finished.</summary>
    public RetentionRun? LastRun => _lastRun;

    /// <summary>Runs as soon as the current run (if any) is over.</summary>
    public void RunSoon()
    {
        try
        {
            _wake.Release();
        }
        catch (SemaphoreFullException)
        {
            // A run is already due.
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // Off the start-up path: the store was migrated by StoreStartup, which starts first.
        await Task.Yield();
        using var timer = time.CreateTimer(_ => RunSoon(), null, Interval, Interval);
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await RunOnceAsync(stoppingToken);
            }
            catch (Exception e) when (!stoppingToken.IsCancellationRequested)
            {
                // Tried again at the next run; the page shows why it failed.
                log.LogError(e, "Retention failed");
                _lastRun = new RetentionRun(time.GetUtcNow(), null, null, e.Message);
            }
            try
            {
                await _wake.WaitAsync(stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    /// <summary>One run: nothing when retention is off; else deletes before the cutoff and audits what went.</summary>
    public async Task<RetentionResult?> RunOnceAsync(CancellationToken ct)
    {
        var settings = await RetentionSettings.LoadAsync(accounts, ct);
        var now = time.GetUtcNow();
        if (!settings.Enabled)
        {
            _lastRun = new RetentionRun(now, null, null, null);
            return null;
        }
        var cutoff = Retention.CutoffFor(now, settings.Months);
        var result = await store.DeleteSpansBeforeAsync(cutoff, includingRollups: !settings.KeepRollups, ct);
        if (result.DeletedAnything)
        {
            await audit.WriteAsync(time.GetUtcNow(), "retention", "retention deleted", "spans before " + cutoff.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
                string.Create(CultureInfo.InvariantCulture,
                    $"{result.SpanRows} span rows; {(settings.KeepRollups ? "rollups kept" : $"{result.RollupRows} rollup rows deleted too")} (retention {settings.Months} months)"), ct);
            log.LogInformation("Retention deleted {Spans} span rows and {Rollups} rollup rows before {Cutoff:yyyy-MM-dd}", result.SpanRows, result.RollupRows, cutoff);
        }
        _lastRun = new RetentionRun(now, cutoff, result, null);
        return result;
    }

    public override void Dispose()
    {
        _wake.Dispose();
        base.Dispose();
    }
}
