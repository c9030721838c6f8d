using System.Text.Json;
using Sentinel.Testing;
using Xunit;

namespace Sentinel.Probes.Tests.Paths;

/// <summary>
/// The real <c>sentinel</c> executable run in the lab's client namespace: the mtr-style report, JSON output,
/// the run without CAP_NET_RAW, and agreement with mtr itself on the same topology.
/// </summary>
/// <remarks>
/// Agreement with mtr: both run 100 cycles at the same time over the same lab, where router 1 drops half of
/// its time-exceeded messages and router 2 drops 20 % of what it forwards. Each tool is held to the lab's
/// nominal loss, and the two tools to each other:
/// <list type="bullet">
/// <item>hop addresses identical;</item>
/// <item>each tool's lost count per hop in the exact binomial acceptance range of the loss the lab makes
/// (hop 1: 50 %, [26, 74] of 100; hop 2: none; hops 3 and 4: 20 %, [3, 41]), at most 10⁻⁶ each to fail by chance;</item>
/// <item>the two tools' lost counts per hop consistent with one loss rate (Fisher's exact test, two-sided, 10⁻⁶):
/// tighter than the nominal ranges, as the tools sample the same drops at the same time;</item>
/// <item>average round trips per hop within 1 ms of each other. The lab's round trips are tens to hundreds of
/// microseconds, and on a busy two-core machine either tool's process may be scheduled late for a few hundred
/// microseconds at times; a tool that timed something other than the round trip (a thread hop, a queue, the
/// runtime starting up) differs by milliseconds.</item>
/// </list>
/// A correct pair of tools fails by chance with probability below 1.2·10⁻⁵ (twelve counts at 10⁻⁶ each).
/// </remarks>
[Collection(nameof(SerialPathLab))]
public sealed class PathCommandLabTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(2);

    [Fact]
    public async Task ProbePath_SilentHop_PrintsTheTableAndCallsItRateLimited()
    {
        Assert.SkipWhen(PathLab.SkipReason is not null, PathLab.SkipReason ?? "");
        using var lab = PathLab.Create();
        lab.DropTimeExceeded(router: 2, percent: 100);

        var (exit, output, error) = await lab.RunSentinelAsync(Timeout, null, "probe", "path", lab.TargetAddress, "--cycles", "20", "--interval", "10ms");

        Assert.True(exit == 0, output + error);
        var lines = output.Split('\n');
        Assert.Contains(lines, l => l.StartsWith("  HOP  ADDRESS ", StringComparison.Ordinal) && l.EndsWith("Loss%   Snt    Last     Avg    Best    Wrst   StDev", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("  1.   198.18.0.2 ", StringComparison.Ordinal) && l.Contains("  0.0%    20 ", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("  2.   ??? ", StringComparison.Ordinal) && l.TrimEnd().EndsWith("100.0%    20", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("  4.   198.18.3.2 ", StringComparison.Ordinal));
        Assert.Contains("INFO path.hop_rate_limited: hop 2 (???) lost 100% of its probes, but hop 3 (198.18.2.2) behind it lost 0%: the loss does not carry on, so hop 2 limits or de-prioritises the ICMP answers it sends; traffic through it is not lost", output, StringComparison.Ordinal);
        Assert.DoesNotContain("FAILURE", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ProbePathJson_SilentTarget_PrintsHopsAndPathUnreachable()
    {
        Assert.SkipWhen(PathLab.SkipReason is not null, PathLab.SkipReason ?? "");
        using var lab = PathLab.Create();
        lab.SilenceTarget();

        var (exit, output, error) = await lab.RunSentinelAsync(Timeout, null, "probe", "path", lab.TargetAddress, "--cycles", "3", "--interval", "10ms", "--max-hops", "6", "--json");

        Assert.True(exit == 1, output + error);
        using var json = JsonDocument.Parse(output);
        var root = json.RootElement;
        Assert.Equal("down", root.GetProperty("status").GetString());
        Assert.Equal("path_unreachable", root.GetProperty("failure").GetProperty("category").GetString());
        var hops = root.GetProperty("details").GetProperty("hops").EnumerateArray().Select(h => h.GetProperty("address").GetString()).ToList();
        Assert.Equal(["198.18.0.2", "198.18.1.2", "198.18.2.2", null], hops);
        Assert.Equal(1, root.GetProperty("measurements").GetProperty("path.loss_ratio").GetDouble());
    }

    [Theory]
    [InlineData("path")]
    [InlineData("icmp")]
    public async Task Probe_WithoutCapNetRaw_ReportsPermissionDeniedAsUnknown(string type)
    {
        Assert.SkipWhen(PathLab.SkipReason is not null, PathLab.SkipReason ?? "");
        using var lab = PathLab.Create(routers: 1);

        // Dropped from the bounding set, CAP_NET_RAW is gone for the process setpriv starts, although it runs as root.
        var (exit, output, error) = await lab.RunSentinelAsync(Timeout, ["setpriv", "--bounding-set", "-net_raw"], "probe", type, lab.TargetAddress);

        Assert.True(exit == 1, output + error);
        Assert.Contains("  status      UNKNOWN in ", output, StringComparison.Ordinal);
        Assert.Contains($"FAILURE path_permission_denied (probe): this Sentinel process may not open a raw ICMP socket to probe {lab.TargetAddress}: ", output, StringComparison.Ordinal);
        Assert.Contains("  hint: give Sentinel CAP_NET_RAW: AmbientCapabilities=CAP_NET_RAW in its systemd unit", output, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--udp", false)]
    [InlineData("--udp", true)]
    [InlineData("--tcp", false)]
    [InlineData("--tcp", true)]
    public async Task ProbePath_UdpOrTcp_FindsEveryHopAndReachesTheDestination(string protocol, bool ipv6)
    {
        Assert.SkipWhen(PathLab.SkipReason is not null, PathLab.SkipReason ?? "");
        using var lab = PathLab.Create();

        // Nothing listens on the target: UDP gets "port unreachable" from it, TCP a RST; routers quote the probes' ports.
        var (exit, output, error) = await lab.RunSentinelAsync(Timeout, null,
            "probe", "path", ipv6 ? lab.TargetAddress6 : lab.TargetAddress, protocol, "--port", "33434", "--cycles", "10", "--interval", "10ms", "--json");

        Assert.True(exit == 0, output + error);
        var hops = Sentinel(output, error);
        Assert.Equal(ipv6 ? lab.HopAddresses6 : lab.HopAddresses, hops.Select(h => h.Address));
        Assert.All(hops, h => Assert.Equal((10, 0), (h.Sent, h.Lost)));
    }

    [Fact]
    public async Task ProbePath_TargetBlocksPing_TcpSynsStillReachIt()
    {
        Assert.SkipWhen(PathLab.SkipReason is not null, PathLab.SkipReason ?? "");
        using var lab = PathLab.Create();
        lab.DropEchoRequestsAtTarget();

        var icmp = await lab.RunSentinelAsync(Timeout, null, "probe", "path", lab.TargetAddress, "--cycles", "3", "--interval", "10ms", "--max-hops", "6", "--json");
        var (exit, output, error) = await lab.RunSentinelAsync(Timeout, null, "probe", "path", lab.TargetAddress, "--tcp", "--port", "443", "--cycles", "3", "--interval", "10ms", "--json");

        Assert.True(icmp.ExitCode == 1, icmp.Output + icmp.Error);
        using (var json = JsonDocument.Parse(icmp.Output))
        {
            Assert.Equal("path_unreachable", json.RootElement.GetProperty("failure").GetProperty("category").GetString());
        }

        Assert.True(exit == 0, output + error);
        Assert.Equal(lab.HopAddresses, Sentinel(output, error).Select(h => h.Address));
    }

    [Fact]
    public async Task ProbePath_SameLabAsMtr_AgreesWithMtrOnHopsLossAndRoundTrips()
    {
        Assert.SkipWhen(PathLab.SkipReason is not null, PathLab.SkipReason ?? "");
        var mtr = await PathLabTools.MtrAsync();
        Assert.SkipWhen(mtr is null, "mtr is not installed (test.sh installs mtr-tiny)");
        using var lab = PathLab.Create();
        lab.DropTimeExceeded(router: 1, percent: 50);
        lab.DropForwarded(router: 2, percent: 20);

        var sentinelRun = lab.RunSentinelAsync(Timeout, null, "probe", "path", lab.TargetAddress, "--cycles", "100", "--interval", "50ms", "--json");
        var mtrRun = lab.RunInClientAsync(Timeout, "mtr", "-n", "--json", "-c", "100", "-i", "0.05", lab.TargetAddress);
        var (_, sentinelOutput, sentinelError) = await sentinelRun;
        var (mtrExit, mtrOutput, mtrError) = await mtrRun;

        Assert.True(mtrExit == 0, mtrOutput + mtrError);
        var ours = Sentinel(sentinelOutput, sentinelError);
        var theirs = Mtr(mtrOutput);
        Assert.Equal(lab.HopAddresses, ours.Select(h => h.Address));
        Assert.Equal(theirs.Select(h => h.Address), ours.Select(h => h.Address));
        double[] expected = [0.5, 0, 0.2, 0.2];
        for (var i = 0; i < expected.Length; i++)
        {
            var (low, high) = expected[i] == 0 ? (0, 0) : Binomial.Acceptance(100, expected[i]);
            Assert.True(ours[i].Lost >= low && ours[i].Lost <= high, $"sentinel hop {i + 1}: {ours[i].Lost} lost, expected {low}..{high}");
            Assert.True(theirs[i].Lost >= low && theirs[i].Lost <= high, $"mtr hop {i + 1}: {theirs[i].Lost} lost, expected {low}..{high}");
            Assert.True(Binomial.SameRate(ours[i].Lost, ours[i].Sent, theirs[i].Lost, theirs[i].Sent),
                $"hop {i + 1}: sentinel lost {ours[i].Lost} of {ours[i].Sent}, mtr {theirs[i].Lost} of {theirs[i].Sent}");
            // The fastest round trip shows a systematic offset plainly; an average also carries the stalls of a busy
            // machine, so two averages agree within three standard errors of the noisier one, and never looser than 1 ms.
            Assert.True(Math.Abs(ours[i].BestMs - theirs[i].BestMs) <= 1,
                $"hop {i + 1}: best round trip {ours[i].BestMs} ms by sentinel, {theirs[i].BestMs} ms by mtr");
            var standardError = Math.Max(ours[i].StdDevMs / Math.Sqrt(ours[i].Sent - ours[i].Lost), theirs[i].StdDevMs / Math.Sqrt(theirs[i].Sent - theirs[i].Lost));
            Assert.True(Math.Abs(ours[i].AvgMs - theirs[i].AvgMs) <= Math.Max(1, 3 * standardError),
                $"hop {i + 1}: average round trip {ours[i].AvgMs} ms by sentinel (stdev {ours[i].StdDevMs}), {theirs[i].AvgMs} ms by mtr (stdev {theirs[i].StdDevMs})");
        }
    }

    private static List<(string? Address, int Sent, int Lost, double AvgMs, double BestMs, double StdDevMs)> Sentinel(string output, string error)
    {
        using var json = JsonDocument.Parse(output.Length > 0 ? output : error);
        return json.RootElement.GetProperty("details").GetProperty("hops").EnumerateArray()
            .Select(h => (
                h.GetProperty("address").GetString(),
                h.GetProperty("sent").GetInt32(),
                h.GetProperty("sent").GetInt32() - h.GetProperty("received").GetInt32(),
                h.TryGetProperty("avgMs", out var avg) ? avg.GetDouble() : double.NaN,
                h.TryGetProperty("bestMs", out var best) ? best.GetDouble() : double.NaN,
                h.TryGetProperty("stdDevMs", out var stdDev) ? stdDev.GetDouble() : double.NaN))
            .ToList();
    }

    private static List<(string? Address, int Sent, int Lost, double AvgMs, double BestMs, double StdDevMs)> Mtr(string output)
    {
        using var json = JsonDocument.Parse(output);
        return json.RootElement.GetProperty("report").GetProperty("hubs").EnumerateArray()
            .Select(h => (
                h.GetProperty("host").GetString() is "???" ? null : h.GetProperty("host").GetString(),
                h.GetProperty("Snt").GetInt32(),
                (int)Math.Round(h.GetProperty("Loss%").GetDouble() * h.GetProperty("Snt").GetInt32() / 100, MidpointRounding.AwayFromZero),
                h.GetProperty("Avg").GetDouble(),
                h.GetProperty("Best").GetDouble(),
                h.GetProperty("StDev").GetDouble()))
            .ToList();
    }
}

/// <summary>Tools the lab tests compare with.</summary>
internal static class PathLabTools
{
    /// <summary>The path of mtr, or null when it is not installed.</summary>
    public static Task<string?> MtrAsync() => Task.FromResult(
        new[] { "/usr/bin/mtr", "/usr/sbin/mtr" }.FirstOrDefault(File.Exists));
}
