using System.Text.Json;
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
    public async Task ProbePath_ThirtyCyclesAtTheDefaultIntervalWithoutTimeout_GetsATimeoutThatValidates()
    {
        // 30 cycles at the default 500ms need 17.5 s (next test), more than the default 10 s: without a timeout of
        // its own working that out, the check would not validate and the command would exit 2. The name does not
        // resolve, so the run ends at once, after validation, with a dns failure (exit 1).
        using var dns = DnsZoneServer.Start();

        var (exit, output) = await SentinelProcess.RunAsync(AppContext.BaseDirectory, Timeout, "probe", "path", "missing.test", "--cycles", "30", "--resolver", dns.Address, "--json");

        Assert.True(exit == 1, output);
        using var json = JsonDocument.Parse(output);
        Assert.Equal("dns", json.RootElement.GetProperty("failure").GetProperty("layer").GetString());
    }

    [Fact]
    public async Task ProbePath_ThirtyCyclesAtTheDefaultIntervalWithinTenSeconds_SaysWhatTheRunNeeds()
    {
        var (exit, output) = await SentinelProcess.RunAsync(AppContext.BaseDirectory, Timeout, "probe", "path", "127.0.0.1", "--cycles", "30", "--timeout", "10s");

        Assert.Equal(2, exit);
        Assert.Equal("sentinel: --timeout: must exceed what one run takes at most, 17s500ms (30 cycles 500ms apart, plus 2s for the last answer and 1s to resolve the name and spare), but is 10s; raise the timeout (and the interval) or send fewer cycles", output.Trim());
    }

    [Theory]
    [InlineData("--udp", "33434", "UDP to port 33434, 64-byte packets")]
    [InlineData("--tcp", "1", "TCP SYN to port 1")]
    public async Task ProbePath_UdpOrTcpToAClosedLoopbackPort_ArrivesInOneHop(string flag, string port, string probes)
    {
        // Nothing listens there: UDP gets "port unreachable" from 127.0.0.1 itself, TCP a RST; both mean the probe arrived.
        var (exit, output) = await SentinelProcess.RunAsync(AppContext.BaseDirectory, Timeout, "probe", "path", "127.0.0.1", flag, "--port", port, "--cycles", "3", "--interval", "10ms");

        Assert.True(exit == 0, output);
        Assert.Contains($"  path to     127.0.0.1: 3 cycles 10ms apart, {probes}\n", output, StringComparison.Ordinal);
        Assert.Matches(@"\n  1\.   127\.0\.0\.1 +0\.0%     3 ", output);
    }

    [Fact]
    public async Task ProbePath_UdpAndTcp_ExcludeEachOther()
    {
        var (exit, output) = await SentinelProcess.RunAsync(AppContext.BaseDirectory, Timeout, "probe", "path", "127.0.0.1", "--udp", "--tcp");

        Assert.Equal((2, "sentinel: --udp and --tcp exclude each other"), (exit, output.Trim()));
    }

    [Theory]
    [InlineData("path", "--cycles", "0", "sentinel: --cycles: must be from 1 to 1000, got 0")]
    [InlineData("path", "--max-hops", "65", "sentinel: --max-hops: must be from 1 to 64, got 65")]
    [InlineData("path", "--interval", "fast", "sentinel: --interval: expected a duration such as \"30s\", \"5m\" or \"1h30m\", got string \"fast\"")]
    [InlineData("path", "--max-loss", "2", "sentinel: --max-loss: must be from 0 to 1, got 2")]
    [InlineData("path", "--size", "99999", "sentinel: --size: must be from 28 to 9000, got 99999")]
    [InlineData("path", "--port", "443", "sentinel: --port: is only for protocol \"udp\" or \"tcp\"; ICMP echo has no ports")]
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
