namespace Presently.Tests.Fixtures;

/// <summary>
/// Tests that measure wall-clock behaviour (board latency, disconnect within a second, checkpoint
/// loss) with real desktops and browsers run alone, so a busy neighbour cannot make them flaky.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class TimingSensitive
{
    public const string Name = "timing-sensitive";
}
