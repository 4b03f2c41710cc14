namespace Presently.Server.Cluster;

/// <summary>
/// Settings under <c>Presently:Rebalance</c> (several instances only). nginx's <c>least_conn</c> sends new
/// agents to the instance holding the fewest, but agents already connected stay where they are: after
/// an instance restarts or one is added, the others hold more than their share. Each instance checks
/// every <see cref="Interval"/>; one holding more than its fair share by over <see cref="Tolerance"/>
/// (and by at least <see cref="MinimumExcess"/> agents) asks the excess to reconnect (close code 4005),
/// each after a delay drawn from up to <see cref="Spread"/>, so they come back through nginx one by one
/// and land where there is room.
/// </summary>
public sealed class RebalanceOptions
{
    public const string Section = "Presently:Rebalance";

    public bool Enabled { get; set; } = true;

    public TimeSpan Interval { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How far over its fair share (0.2: 20 %) an instance may hold before it sheds agents.</summary>
    public double Tolerance { get; set; } = 0.2;

    public int MinimumExcess { get; set; } = 5;

    public TimeSpan Spread { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Why these settings will not do, or null.</summary>
    public string? Problem() =>
        Interval < TimeSpan.FromMilliseconds(100) || Interval > TimeSpan.FromHours(1) ? $"{Section}:Interval is from 100 ms to an hour"
        : Tolerance is < 0 or > 10 || double.IsNaN(Tolerance) ? $"{Section}:Tolerance is from 0 to 10"
        : MinimumExcess is < 1 or > 1_000_000 ? $"{Section}:MinimumExcess is from 1 to 1000000"
        : Spread < TimeSpan.Zero || Spread > Protocol.RetryHint.Max ? $"{Section}:Spread is from 0 to {Protocol.RetryHint.Max.TotalSeconds:0} s"
        : null;
}
