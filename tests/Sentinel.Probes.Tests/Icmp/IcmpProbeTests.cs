using System.Globalization;
using System.Net;
using Sentinel.Probes.Checks;
using Sentinel.Probes.Icmp;
using Sentinel.Probes.Probing;
using Sentinel.Probes.Protocols.Icmp;
using Sentinel.Probes.Running;
using Sentinel.Probes.Tests.Paths;
using Sentinel.Testing;
using Xunit;

namespace Sentinel.Probes.Tests.Icmp;

/// <summary>The icmp probe (ping) against loopback and against the hosts of a <see cref="PathLab"/>.</summary>
[Collection(nameof(SerialPathLab))]
public sealed class IcmpProbeTests
{
    [Theory]
    [InlineData("127.0.0.1")]
    [InlineData("::1")]
    public async Task RunAsync_Loopback_IsUpWithRoundTripFigures(string target)
    {
        var result = await RunAsync(Check(target, count: 4));

        Assert.True(result.Status == ProbeStatus.Up, PathProbeLabTests.Report(result));
        Assert.Equal((4.0, 4.0, 0.0), (result.Measurements["icmp.packets_sent"].Number, result.Measurements["icmp.packets_received"].Number, result.Measurements["icmp.loss_ratio"].Number));
        var min = result.Measurements["icmp.rtt_min_ms"].Number!.Value;
        var avg = result.Measurements["icmp.rtt_avg_ms"].Number!.Value;
        var max = result.Measurements["icmp.rtt_max_ms"].Number!.Value;
        Assert.True(min > 0 && min <= avg && avg <= max, $"{min} {avg} {max}");
        Assert.Equal(["resolve", "setup", "rtt"], result.Phases.Select(p => p.Name));
        Assert.Contains(result.Samples, s => s.Metric == IcmpProbe.Duration && s.Labels[0] == "rtt");
        Assert.Contains(result.Samples, s => s.Metric == IcmpProbe.PacketsReceived && s.Value == 4);
    }

    [Fact]
    public async Task RunAsync_TwoReplies_StdDevIsPingsPopulationForm()
    {
        // With two round trips a ≤ b, ping's mdev (divided by n) is (b − a) / 2; mtr's sample form would be (b − a) / √2.
        var result = await RunAsync(Check("127.0.0.1", count: 2));

        Assert.True(result.Status == ProbeStatus.Up, PathProbeLabTests.Report(result));
        var min = result.Measurements["icmp.rtt_min_ms"].Number!.Value;
        var max = result.Measurements["icmp.rtt_max_ms"].Number!.Value;
        var stddev = result.Measurements["icmp.rtt_stddev_ms"].Number!.Value;
        Assert.True(Math.Abs(stddev - ((max - min) / 2)) < 0.0005, $"stddev {stddev} ms for round trips {min} and {max} ms");
    }

    [Fact]
    public async Task RunAsync_CutOffByTheDeadline_CountsTheRepliesThatCameBack()
    {
        var check = Check("127.0.0.1", count: 20, interval: "50ms");
        using var deadline = new CancellationTokenSource(TimeSpan.FromMilliseconds(300));

        var result = await new IcmpProbe().RunAsync(check, new ProbeContext(), deadline.Token);

        Assert.Equal(ProbeStatus.Unknown, result.Status);
        Assert.Matches(@"^the run was cut off by the check's timeout \(10s\) after \d+ of 20 echo requests; the figures count the \d+ answered or timed out by then$", result.Failure!.Message);
        var received = result.Measurements["icmp.packets_received"].Number;
        Assert.InRange(received!.Value, 2, 19);
        Assert.Equal(received, result.Measurements["icmp.packets_sent"].Number);
        Assert.Equal(0, result.Measurements["icmp.loss_ratio"].Number);
        Assert.True(result.Measurements.ContainsKey("icmp.rtt_avg_ms"));
    }

    [Fact]
    public void WriteReport_CommaDecimalCulture_WritesTheLossWithAPoint()
    {
        var rtt = new RttStats();
        rtt.Add(TimeSpan.FromMilliseconds(1));
        rtt.Add(TimeSpan.FromMilliseconds(2));
        var details = new IcmpDetails("system", [IPAddress.Loopback], IPAddress.Loopback, new Pinger.Outcome(3, rtt));
        var culture = (CultureInfo)CultureInfo.InvariantCulture.Clone();
        culture.NumberFormat.NumberDecimalSeparator = ",";
        var before = CultureInfo.CurrentCulture;
        CultureInfo.CurrentCulture = culture;
        try
        {
            using var writer = new StringWriter(CultureInfo.InvariantCulture);
            details.WriteReport(writer);

            Assert.Contains("  pinged      127.0.0.1: 3 sent, 2 received, 33.3% loss\n", writer.ToString(), StringComparison.Ordinal);
            Assert.Contains("  rtt         min/avg/max/stddev = 1.000/1.500/2.000/0.500 ms\n", writer.ToString(), StringComparison.Ordinal);
        }
        finally
        {
            CultureInfo.CurrentCulture = before;
        }
    }

    [Fact]
    public async Task RunAsync_SilentHost_ReportsIcmpTimeout()
    {
        Assert.SkipWhen(PathLab.SkipReason is not null, PathLab.SkipReason ?? "");
        using var lab = PathLab.Create(routers: 1);
        lab.SilenceTarget();

        var result = await lab.RunInClient(() => RunAsync(Check(lab.TargetAddress, count: 2, replyTimeout: "300ms")));

        Assert.Equal(("icmp", "icmp_timeout"), (result.Failure!.Layer, result.Failure.Category));
        Assert.Equal($"no echo reply from {lab.TargetAddress} to 2 echo requests within 300ms each", result.Failure.Message);
        Assert.Equal(1, result.Measurements["icmp.loss_ratio"].Number);
        Assert.False(result.Measurements.ContainsKey("icmp.rtt_avg_ms"));
    }

    [Fact]
    public async Task RunAsync_RouterRejects_ReportsIcmpUnreachableNamingTheRouter()
    {
        Assert.SkipWhen(PathLab.SkipReason is not null, PathLab.SkipReason ?? "");
        using var lab = PathLab.Create(routers: 2);
        lab.RejectForwarded(router: 1);

        var result = await lab.RunInClient(() => RunAsync(Check(lab.TargetAddress, count: 2)));

        Assert.Equal(("icmp", "icmp_unreachable"), (result.Failure!.Layer, result.Failure.Category));
        Assert.Equal($"198.18.0.2 answered that {lab.TargetAddress} is unreachable (administratively prohibited)", result.Failure.Message);
    }

    [Fact]
    public async Task RunAsync_TtlTooSmall_ReportsWhereItRanOut()
    {
        Assert.SkipWhen(PathLab.SkipReason is not null, PathLab.SkipReason ?? "");
        using var lab = PathLab.Create(routers: 2);

        var result = await lab.RunInClient(() => RunAsync(Check(lab.TargetAddress, count: 2, ttl: 2)));

        Assert.Equal("icmp_unreachable", result.Failure!.Category);
        Assert.Equal($"the echo requests to {lab.TargetAddress} ran out of TTL (2) at 198.18.1.2 before reaching it", result.Failure.Message);
    }

    [Fact]
    public async Task RunAsync_RouterRejects_PathNamesTheHopThatSaidUnreachable()
    {
        Assert.SkipWhen(PathLab.SkipReason is not null, PathLab.SkipReason ?? "");
        using var lab = PathLab.Create(routers: 2);
        lab.RejectForwarded(router: 2);

        var (result, hops) = await PathProbeLabTests.TraceAsync(lab, lab.TargetAddress, cycles: 3);

        Assert.Equal("path_unreachable", result.Failure!.Category);
        Assert.Equal($"{lab.TargetAddress} was not reached: hop 3 (198.18.1.2) answered that it is unreachable (administratively prohibited)", result.Failure.Message);

        // Router 2 answers twice, as mtr shows it too: "time exceeded" at TTL 2, "unreachable" from TTL 3 on.
        Assert.Equal(["198.18.0.2", "198.18.1.2", "198.18.1.2"], hops.Select(h => h.Address));
    }

    private static CheckDefinition Check(string target, int count, string replyTimeout = "1s", int ttl = 64, string interval = "20ms")
    {
        var document = CheckParser.Parse($$"""
            {"id": "ping", "type": "icmp", "target": "{{target}}", "icmp": {"count": {{count}}, "interval": "{{interval}}", "replyTimeout": "{{replyTimeout}}", "ttl": {{ttl}} } }
            """, "t.json", ProbeCatalog.Default.Checks);
        Assert.True(document.IsValid, string.Join("\n", document.Errors));
        return document.Checks[0].Definition;
    }

    private static Task<ProbeResult> RunAsync(CheckDefinition check) =>
        new ProbeRunner(ProbeCatalog.Default, new ProbeContext()).RunAsync(check, CancellationToken.None);
}
