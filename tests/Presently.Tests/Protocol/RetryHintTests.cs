using Presently.Protocol;

namespace Presently.Tests.Protocol;

public sealed class RetryHintTests
{
    [Fact]
    public void A_hint_reads_back_as_written() =>
        Assert.Equal(TimeSpan.FromMilliseconds(2500), RetryHint.Parse(RetryHint.Format(TimeSpan.FromSeconds(2.5))));

    [Theory]
    [InlineData(null, null)]
    [InlineData("", null)]
    [InlineData("rebalance", null)]
    [InlineData("retry-after-ms=", null)]
    [InlineData("retry-after-ms=-5", null)]
    [InlineData("rebalance; retry-after-ms=750", 750)]
    [InlineData("retry-after-ms=99999999999999999999", 60_000)] // at most a minute, whatever it says
    public void A_reason_gives_the_delay_it_names_at_most_a_minute(string? reason, int? ms) =>
        Assert.Equal(ms is { } v ? TimeSpan.FromMilliseconds(v) : null, RetryHint.Parse(reason));
}
