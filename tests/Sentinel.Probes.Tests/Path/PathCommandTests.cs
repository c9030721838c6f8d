using Sentinel.Testing;
using Xunit;

namespace Sentinel.Probes.Tests.Paths;

/// <summary><c>sentinel probe path</c> and <c>sentinel probe icmp</c> as processes, against loopback: flags and their errors.</summary>
public sealed class PathCommandTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(1);

    [Fact]
    public async Task ProbePath_Loopback_PrintsOneHopAndExitsZero()
    {
        var (exit, output) = await SentinelProcess.RunAsync(AppContext.BaseDirectory, Timeout, "probe", "path", "127.0.0.1", "--cycles", "3", "--interval", "10ms");

        Assert.True(exit == 0, output);
        Assert.Contains("  path to     127.0.0.1: 3 cycles 10ms apart, ICMP echo, 64-byte packets", output, StringComparison.Ordinal);
        Assert.Matches(@"\n  1\.   127\.0\.0\.1 +0\.0%     3 ", output);
    }

    [Fact]
    public async Task ProbePath_ManyCyclesWithoutTimeout_GetsATimeoutThatFits()
    {
        // 30 cycles at the default 500ms need 16.5 s, more than the default 10 s: the command works it out.
        var (exit, output) = await SentinelProcess.RunAsync(AppContext.BaseDirectory, Timeout, "probe", "path", "127.0.0.1", "--cycles", "30", "--interval", "10ms", "--json");

        Assert.True(exit == 0, output);
        Assert.Contains("\"cycles\":30", output, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("path", "--cycles", "0", "sentinel: --cycles: must be from 1 to 1000, got 0")]
    [InlineData("path", "--max-hops", "65", "sentinel: --max-hops: must be from 1 to 64, got 65")]
    [InlineData("path", "--interval", "fast", "sentinel: --interval: expected a duration such as \"30s\", \"5m\" or \"1h30m\", got string \"fast\"")]
    [InlineData("path", "--max-loss", "2", "sentinel: --max-loss: must be from 0 to 1, got 2")]
    [InlineData("path", "--size", "99999", "sentinel: --size: must be from 28 to 9000, got 99999")]
    [InlineData("icmp", "--count", "1000", "sentinel: --count: must be from 1 to 100, got 1000")]
    [InlineData("icmp", "--ttl", "0", "sentinel: --ttl: must be from 1 to 255, got 0")]
    public async Task Probe_BadFlag_NamesTheFlagAndExitsTwo(string type, string flag, string value, string expected)
    {
        var (exit, output) = await SentinelProcess.RunAsync(AppContext.BaseDirectory, Timeout, "probe", type, "127.0.0.1", flag, value);

        Assert.Equal(2, exit);
        Assert.Equal(expected, output.Trim());
    }

    [Theory]
    [InlineData("path", "127.0.0.1:80", "sentinel: target: expected a host name or an IP address without a port (ICMP has no ports), got \"127.0.0.1:80\"")]
    [InlineData("icmp", "-bad-.example", "sentinel: target: \"-bad-.example\" is not a valid host name (label \"-bad-\")")]
    public async Task Probe_BadTarget_SaysWhatIsWrong(string type, string target, string expected)
    {
        var (exit, output) = await SentinelProcess.RunAsync(AppContext.BaseDirectory, Timeout, "probe", type, "--", target);

        Assert.Equal(2, exit);
        Assert.Equal(expected, output.Trim());
    }
}
