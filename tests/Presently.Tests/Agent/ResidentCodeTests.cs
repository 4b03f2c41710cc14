using Presently.Agent.Platforms.Linux;

namespace Presently.Tests.Agent;

/// <summary>Which mappings the agent hands back after start: its own code and OpenSSL's, never data.</summary>
public sealed class ResidentCodeTests
{
    [Fact]
    public void Only_read_only_mappings_of_the_executable_and_OpenSSL_are_trimmed()
    {
        string[] maps =
        [
            "555555554000-555555600000 r--p 00000000 08:01 123 /opt/presently/presently-agent",
            "555555600000-555555a00000 r-xp 000ac000 08:01 123 /opt/presently/presently-agent",
            "555555a00000-555555a10000 rw-p 004ac000 08:01 123 /opt/presently/presently-agent",
            "7ffff7a00000-7ffff7c00000 r-xp 00000000 08:01 456 /usr/lib/x86_64-linux-gnu/libcrypto.so.3",
            "7ffff7c00000-7ffff7c10000 r-xp 00000000 08:01 457 /usr/lib/x86_64-linux-gnu/libc.so.6",
            "7ffff7d00000-7ffff7d10000 rw-p 00000000 00:00 0",
            "7ffff7e00000-7ffff7e10000 r-xp 00000000 08:01 458 /usr/lib/x86_64-linux-gnu/libssl.so.3",
            "garbage",
        ];
        var picked = ResidentCode.Mappings(maps, "/opt/presently/presently-agent").Select(m => ((long)m.Start, (long)m.End)).ToList();
        Assert.Equal([(0x555555554000L, 0x555555600000L), (0x555555600000L, 0x555555a00000L), (0x7ffff7a00000L, 0x7ffff7c00000L), (0x7ffff7e00000L, 0x7ffff7e10000L)], picked);
    }
}
