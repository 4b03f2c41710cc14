namespace Presently.Bench.Load;

/// <summary>Everything one run is told; printed with its figures so the run can be repeated.</summary>
public sealed record LoadOptions
{
    /// <summary>Simulated agents, each with its own enrolled credential and WebSocket.</summary>
    public int Agents { get; init; } = 1000;

    /// <summary>Simulated browsers, each signed in on its own and holding one board socket.</summary>
    public int Browsers { get; init; } = 10;

    /// <summary>The measured period.</summary>
    public TimeSpan Measure { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>Load runs, nothing is counted, before the measured period.</summary>
    public TimeSpan Warmup { get; init; } = TimeSpan.FromSeconds(15);

    /// <summary>After the measured period the load goes on this long, so late changes can still reach the browsers.</summary>
    public TimeSpan Grace { get; init; } = TimeSpan.FromSeconds(5);

    public int Seed { get; init; } = 1;

    /// <summary>Mean time between app/title switches of one agent (exponentially distributed).</summary>
    public TimeSpan SwitchMean { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>How often an open span is sent again with a later end (the server's default policy is 5 s).</summary>
    public TimeSpan Checkpoint { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Chance that a switch goes idle instead of to another app.</summary>
    public double IdleChance { get; init; } = 0.05;

    /// <summary>Mean length of an idle period (exponential, 10 s to 5 min).</summary>
    public TimeSpan IdleMean { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>Share of people (0-100 %) who have two computers; the rest have one.</summary>
    public int TwoComputerPercent { get; init; }

    /// <summary>Agents that connect at once; the next wave starts when the wave is in (Welcome received).</summary>
    public int ConnectWave { get; init; } = 250;

    /// <summary>Concurrent enrollments (admin creates a code, the agent redeems it).</summary>
    public int EnrollParallelism { get; init; } = 8;

    /// <summary>Whether agents offer permessage-deflate, as the real agent does.</summary>
    public bool Deflate { get; init; } = true;

    /// <summary>An ack that takes longer than this is an error (counted once per batch).</summary>
    public TimeSpan AckTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Print a progress line this often.</summary>
    public TimeSpan ProgressEvery { get; init; } = TimeSpan.FromSeconds(5);
}
