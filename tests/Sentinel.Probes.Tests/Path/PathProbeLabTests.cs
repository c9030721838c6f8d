using System.Globalization;
using Sentinel.Probes.Checks;
using Sentinel.Probes.Paths;
using Sentinel.Probes.Probing;
using Sentinel.Probes.Reporting;
using Sentinel.Probes.Running;
using Sentinel.Testing;
using Xunit;

namespace Sentinel.Probes.Tests.Paths;

/// <summary>
/// The path probe on a real routed network in namespaces (<see cref="PathLab"/>): client → r1 → r2 → r3 →
/// target, with real loss, rate limiting and a silent target made by nftables and the kernel's own ICMP
/// rate limit. Probes run in this process, on a thread that entered the client namespace.
/// </summary>
/// <remarks>
/// Loss assertions use exact binomial bounds (<see cref="Binomial"/>): with 200 probes per hop and a 20 %
/// drop, the lost count of an affected hop is within its acceptance range except with probability 10⁻⁶; an
/// unaffected hop loses nothing at all (no other drops exist in the lab). The attribution to hop 3 needs the
/// destination's and hop 3's losses each clearly above hop 2's none (Fisher's test at 10⁻⁴, which 13 of 200
/// already pass; fewer than 13 losses of 200 at 20 % come up with probability about 10⁻⁶), and hop 3 not read as
/// rate-limited against the destination (at most 10⁻⁴ for two hops with the same loss).
/// </remarks>
[Collection(nameof(SerialPathLab))]
public sealed class PathProbeLabTests
{
    [Fact]
    public async Task RunAsync_CleanPath_FindsEveryHopWithoutLoss()
    {
        Assert.SkipWhen(PathLab.SkipReason is not null, PathLab.SkipReason ?? "");
        using var lab = PathLab.Create();

        var (result, hops) = await TraceAsync(lab, lab.TargetAddress, cycles: 20);

        Assert.True(result.Status == ProbeStatus.Up, Report(result));
        Assert.Equal(lab.HopAddresses, hops.Select(h => h.Address));
        Assert.All(hops, h => Assert.Equal((20, 20), (h.Sent, h.Received)));
        Assert.Equal(4, result.Measurements["path.hops"].Number);
        Assert.Equal(0, result.Measurements["path.loss_ratio"].Number);
        Assert.True(result.Measurements["path.rtt_avg_ms"].Number > 0);
        Assert.Empty(result.Findings);
        Assert.Contains(result.Samples, s => s.Metric == PathProbe.HopLoss && s.Labels[0] == "4" && s.Value == 0);
        Assert.Contains(result.Samples, s => s.Metric == PathProbe.HopRtt && s.Labels[0] == "3" && s.Value > 0);
    }

    [Fact]
    public async Task RunAsync_CleanPathOverIpv6_FindsEveryHop()
    {
        Assert.SkipWhen(PathLab.SkipReason is not null, PathLab.SkipReason ?? "");
        using var lab = PathLab.Create();

        var (result, hops) = await TraceAsync(lab, lab.TargetAddress6, cycles: 10);

        Assert.True(result.Status == ProbeStatus.Up, Report(result));
        Assert.Equal(lab.HopAddresses6, hops.Select(h => h.Address));
        Assert.All(hops, h => Assert.Equal(0, h.Loss));
    }

    [Fact]
    public async Task RunAsync_RouterTwoDropsForwardedPackets_ReportsRealLossFromHopThree()
    {
        Assert.SkipWhen(PathLab.SkipReason is not null, PathLab.SkipReason ?? "");
        using var lab = PathLab.Create();
        lab.DropForwarded(router: 2, percent: 20);

        var (result, hops) = await TraceAsync(lab, lab.TargetAddress, cycles: 200);

        var (low, high) = Binomial.Acceptance(200, 0.2);
        Assert.Equal(lab.HopAddresses, hops.Select(h => h.Address));
        Assert.Equal([0, 0], hops.Take(2).Select(h => h.Sent - h.Received));
        Assert.All(hops.Skip(2), h => Assert.InRange(h.Sent - h.Received, low, high));
        Assert.True(result.Status == ProbeStatus.Down, Report(result));
        Assert.Equal(("path", "path_loss"), (result.Failure!.Layer, result.Failure.Category));
        var lost = hops[3].Sent - hops[3].Received;
        Assert.Equal(
            string.Create(CultureInfo.InvariantCulture, $"{lost} of 200 probes to {lab.TargetAddress} ({lost / 2.0:0.#}%) were lost; the loss starts at hop 3 (198.18.2.2) and carries on to the destination: packets are lost between hop 2 (198.18.1.2) and hop 3 (198.18.2.2)"),
            result.Failure.Message);
        Assert.DoesNotContain(result.Findings, f => f.Id == PathInterpreter.RateLimitedFinding);
    }

    [Fact]
    public async Task RunAsync_TargetPolicesEchoRequests_ProbesItOncePerCycleAndSeesNoLoss()
    {
        Assert.SkipWhen(PathLab.SkipReason is not null, PathLab.SkipReason ?? "");
        using var lab = PathLab.Create();

        // A bucket of 5 refilled at 2 a second against one request per 400 ms cycle: enough for every cycle, unless a
        // burst of every TTL beyond the target empties it at the start and the later cycles outrun the refill.
        lab.PoliceEchoRequests(perSecond: 2, burst: 5);

        var (result, hops) = await TraceAsync(lab, lab.TargetAddress, cycles: 10, interval: "400ms");

        Assert.True(result.Status == ProbeStatus.Up, Report(result));
        Assert.Equal(lab.HopAddresses, hops.Select(h => h.Address));
        Assert.Equal((10, 10), (hops[3].Sent, hops[3].Received));

        // One request per cycle, and at most two more that the first cycle's walk sent before the target's answer was read.
        Assert.InRange(lab.EchoRequestsAtTarget(), 10, 12);
    }

    [Fact]
    public async Task RunAsync_Ipv6ProbesLargerThanTheMtu_FindsEveryHop()
    {
        Assert.SkipWhen(PathLab.SkipReason is not null, PathLab.SkipReason ?? "");
        using var lab = PathLab.Create();

        // 2000 bytes over 1500-byte links: this node fragments the probes, and each router's "time exceeded" quotes
        // the first fragment, a Fragment header in front of the echo request.
        var (result, hops) = await TraceAsync(lab, lab.TargetAddress6, cycles: 5, size: 2000);

        Assert.True(result.Status == ProbeStatus.Up, Report(result));
        Assert.Equal(lab.HopAddresses6, hops.Select(h => h.Address));
        Assert.All(hops, h => Assert.Equal(0, h.Loss));
    }

    [Fact]
    public async Task RunAsync_RouterOneDropsItsTimeExceeded_ReportsRateLimitingNotFailure()
    {
        Assert.SkipWhen(PathLab.SkipReason is not null, PathLab.SkipReason ?? "");
        using var lab = PathLab.Create();
        lab.DropTimeExceeded(router: 1, percent: 50);

        var (result, hops) = await TraceAsync(lab, lab.TargetAddress, cycles: 100);

        var (low, high) = Binomial.Acceptance(100, 0.5);
        Assert.InRange(hops[0].Sent - hops[0].Received, low, high);
        Assert.All(hops.Skip(1), h => Assert.Equal(0, h.Sent - h.Received));
        Assert.True(result.Status == ProbeStatus.Up, Report(result));
        var finding = Assert.Single(result.Findings);
        Assert.Equal((PathInterpreter.RateLimitedFinding, FindingSeverity.Info), (finding.Id, finding.Severity));
        Assert.StartsWith("hop 1 (198.18.0.2) lost ", finding.Message, StringComparison.Ordinal);
        Assert.Contains("198.18.0.2 limits or de-prioritises the ICMP answers it sends", finding.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunAsync_KernelIcmpRateLimitAtRouterTwo_ReportsRateLimitingNotFailure()
    {
        Assert.SkipWhen(PathLab.SkipReason is not null, PathLab.SkipReason ?? "");
        using var lab = PathLab.Create();

        // Linux allows a burst of 6 messages, then one per 10 s: 40 cycles in about 0.4 s get 6 or 7 answers.
        lab.LimitIcmp(router: 2, milliseconds: 10_000);

        var (result, hops) = await TraceAsync(lab, lab.TargetAddress, cycles: 40);

        Assert.InRange(hops[1].Received, 1, 10);
        Assert.All(hops.Where(h => h.Hop != 2), h => Assert.Equal(0, h.Sent - h.Received));
        Assert.True(result.Status == ProbeStatus.Up, Report(result));
        var finding = Assert.Single(result.Findings);
        Assert.Equal(PathInterpreter.RateLimitedFinding, finding.Id);
        Assert.Contains(new KeyValuePair<string, string>("address", "198.18.1.2"), finding.Evidence!);
    }

    [Fact]
    public async Task RunAsync_TargetDropsEverything_ReportsPathUnreachableAfterTheLastRouter()
    {
        Assert.SkipWhen(PathLab.SkipReason is not null, PathLab.SkipReason ?? "");
        using var lab = PathLab.Create();
        lab.SilenceTarget();

        var (result, hops) = await TraceAsync(lab, lab.TargetAddress, cycles: 5, maxHops: 8, replyTimeout: "300ms");

        Assert.True(result.Status == ProbeStatus.Down, Report(result));
        Assert.Equal(("path", "path_unreachable"), (result.Failure!.Layer, result.Failure.Category));
        Assert.Equal($"{lab.TargetAddress} never answered; the path stops after hop 3 (198.18.2.2), the last hop that answered", result.Failure.Message);
        Assert.Equal(["198.18.0.2", "198.18.1.2", "198.18.2.2", null], hops.Select(h => h.Address));
        Assert.Equal(1, result.Measurements["path.loss_ratio"].Number);
        Assert.False(result.Measurements.ContainsKey("path.rtt_avg_ms"));
    }

    [Fact]
    public async Task RunAsync_RouteMovesToAnotherRouter_ReportsRouteChangedWithBothAddresses()
    {
        Assert.SkipWhen(PathLab.SkipReason is not null, PathLab.SkipReason ?? "");
        using var lab = PathLab.Create(alternateRoute: true);
        var context = new ProbeContext { State = new InMemoryCheckStateStore(), Node = "lab-node" };

        var (first, _) = await TraceAsync(lab, lab.TargetAddress, cycles: 5, context: context);
        lab.SwitchToAlternateRoute();
        var (second, hops) = await TraceAsync(lab, lab.TargetAddress, cycles: 5, context: context);

        Assert.Empty(first.Findings);
        Assert.Equal(PathLab.AlternateHopAddress, hops[1].Address);
        var finding = Assert.Single(second.Findings);
        Assert.Equal((RouteHistory.ChangedFinding, FindingSeverity.Warning), (finding.Id, finding.Severity));
        Assert.Equal([new("hop 2", $"198.18.1.2 -> {PathLab.AlternateHopAddress}")], finding.Evidence!);
        var stored = await context.State.GetAsync("lab-path", RouteHistory.Key, CancellationToken.None);
        Assert.Contains("\"previous\":[[\"198.18.0.2\"],[\"198.18.1.2\"]", stored!.Json, StringComparison.Ordinal);
    }

    /// <summary>The readable report, so that a failed assertion shows the whole table.</summary>
    internal static string Report(ProbeResult result)
    {
        using var writer = new StringWriter();
        ProbeReport.Write(writer, new CheckDefinition { Id = result.CheckId, Name = result.CheckId, Type = result.Type, Target = result.Target }, result);
        return writer.ToString();
    }

    internal static async Task<(ProbeResult Result, IReadOnlyList<HopView> Hops)> TraceAsync(
        PathLab lab, string target, int cycles, int maxHops = 30, string replyTimeout = "1s", ProbeContext? context = null, string interval = "10ms", int size = 64)
    {
        // ICMP only: the run's raw socket is opened before its first await, on the thread in the client namespace. UDP
        // and TCP probes open a socket per probe on pool threads outside it, so they run as processes in the client
        // namespace (PathCommandLabTests).
        var json = $$"""
            {"id": "lab-path", "type": "path", "target": "{{target}}", "interval": "10m", "timeout": "1m",
             "path": {"cycles": {{cycles}}, "interval": "{{interval}}", "maxHops": {{maxHops}}, "replyTimeout": "{{replyTimeout}}", "size": {{size}} } }
            """;
        var document = CheckParser.Parse(json, "lab.json", ProbeCatalog.Default.Checks);
        Assert.True(document.IsValid, string.Join("\n", document.Errors));
        var runner = new ProbeRunner(ProbeCatalog.Default, context ?? new ProbeContext());
        var result = await lab.RunInClient(() => runner.RunAsync(document.Checks[0].Definition, CancellationToken.None));
        return (result, HopView.Of(result));
    }
}

/// <summary>One hop as the result's JSON details show it.</summary>
internal sealed record HopView(int Hop, string? Address, int Sent, int Received)
{
    public int Loss => Sent - Received;

    public static IReadOnlyList<HopView> Of(ProbeResult result)
    {
        using var details = System.Text.Json.JsonDocument.Parse(ProbeResultJson.Details(result)!);
        return details.RootElement.GetProperty("hops").EnumerateArray().Select(h => new HopView(
            h.GetProperty("hop").GetInt32(),
            h.GetProperty("address").GetString(),
            h.GetProperty("sent").GetInt32(),
            h.GetProperty("received").GetInt32())).ToList();
    }

    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{Hop}. {Address ?? "???"} {Received}/{Sent}");
}

/// <summary>Lab tests run one at a time: each sends hundreds of probes and the machine has two cores.</summary>
[CollectionDefinition(nameof(SerialPathLab), DisableParallelization = true)]
public sealed class SerialPathLab;
