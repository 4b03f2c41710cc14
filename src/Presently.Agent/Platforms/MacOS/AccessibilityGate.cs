namespace Presently.Agent.Platforms.MacOS;

/// <summary>
/// Whether the agent may read window titles. macOS shows them only to programs the user trusts under
/// System Settings › Privacy & Security › Accessibility, and the user can grant or withdraw that at
/// any time, so trust is checked again every <see cref="RecheckInterval"/>; each change is said once.
/// </summary>
public sealed class AccessibilityGate(TimeProvider time)
{
    public static readonly TimeSpan RecheckInterval = TimeSpan.FromSeconds(10);

    public const string GrantHint =
        "window titles need Accessibility: allow presently-agent under System Settings › Privacy & Security › Accessibility";

    private bool? _trusted;
    private DateTimeOffset _checkedAt;

    public bool Trusted => _trusted == true;

    /// <summary>
    /// Asks <paramref name="isTrusted"/> when the last answer is older than the recheck interval.
    /// Returns a line to log when the answer changed (the first answer counts as a change).
    /// </summary>
    public string? Refresh(Func<bool> isTrusted)
    {
        var now = time.GetUtcNow();
        if (_trusted is not null && now - _checkedAt < RecheckInterval) return null;
        _checkedAt = now;
        var trusted = isTrusted();
        if (trusted == _trusted) return null;
        _trusted = trusted;
        return trusted ? "Accessibility is granted: window titles are read" : GrantHint;
    }

    /// <summary>What Hello and status say about titles: short, within the protocol's 64 characters.</summary>
    public string Capability => Trusted ? "titles" : "titles-need-accessibility";
}
