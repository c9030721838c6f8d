using System.Net;
using Sentinel.Probes.Checks;
using Sentinel.Probes.Probing;
using Sentinel.Probes.Protocols.Icmp;
using Sentinel.Probes.Resolving;

namespace Sentinel.Probes.Icmp;

/// <summary>
/// <c>type: "icmp"</c> (ping): resolves the host, sends <c>count</c> echo requests <c>interval</c> apart over
/// a raw socket and reports loss and round-trip times as smokeping and Grafana's synthetic-monitoring agent
/// do. The check is up when at least one echo reply came back, as with blackbox_exporter; loss is a
/// measurement to assert on.
/// </summary>
internal sealed class IcmpProbe : IProbe, IWarmUp
{
    public static readonly MetricDescriptor Duration = new(
        "probe_icmp_duration_seconds", "Duration of the ICMP probe by phase: resolve, setup (opening the socket), rtt (the average round trip).", "s", "phase");

    // Grafana's synthetic-monitoring agent calls these probe_icmp_packets_*_count, a suffix Prometheus reserves for
    // histograms and summaries (promtool flags it on a gauge); they are Sentinel's own names instead.
    public static readonly MetricDescriptor PacketsSent = new(
        "sentinel_icmp_packets_sent", "Echo requests sent in the last run.");

    public static readonly MetricDescriptor PacketsReceived = new(
        "sentinel_icmp_packets_received", "Echo replies received in the last run.");

    /// <summary>As blackbox_exporter: the TTL of the last echo reply (IPv4), absent when unknown (IPv6, where the raw socket does not see the header).</summary>
    public static readonly MetricDescriptor ReplyHopLimit = new(
        "probe_icmp_reply_hop_limit", "The TTL (IPv4 hop limit) of the last echo reply received.");

    public static readonly MetricDescriptor RttMin = new(
        "probe_icmp_duration_rtt_min_seconds", "Shortest round trip of the last run.", "s");

    public static readonly MetricDescriptor RttMax = new(
        "probe_icmp_duration_rtt_max_seconds", "Longest round trip of the last run.", "s");

    public static readonly MetricDescriptor RttStdDev = new(
        "probe_icmp_duration_rtt_stddev_seconds", "Population standard deviation (divided by n, as ping's mdev) of the round trips of the last run.", "s");

    public static ProbeType Type { get; } = new()
    {
        Name = "icmp",
        Summary = "Pings the host: echo requests over a raw socket; loss and round-trip min/avg/max/stddev.",
        Probe = new IcmpProbe(),
        ReadSection = IcmpSection.Read,
        ValidateTarget = IcmpTarget.Validate,
        ValidateCheck = (check, path) => IcmpSection.Validate(check).Select(e => (JsonPath.Member(path, e.Item1), e.Item2)),
        Durations = IcmpMeasurements.Durations,
        Measurements = IcmpMeasurements.All,
        Metrics = [TargetResolution.LookupTime, TargetResolution.IpProtocol, TargetResolution.IpAddrHash, Duration, PacketsSent, PacketsReceived, RttMin, RttMax, RttStdDev, ReplyHopLimit],
    };

    public async ValueTask<ProbeResult> RunAsync(CheckDefinition check, ProbeContext context, CancellationToken cancellationToken)
    {
        var section = check.SectionAs<IcmpSection>() ?? new IcmpSection();
        var target = IcmpTarget.TryParse(check.Target, out var parsed, out var error) ? parsed : throw new ArgumentException(error, nameof(check));
        var result = new ProbeResultBuilder(check);
        var start = context.Time.GetTimestamp();
        var addresses = await TargetResolution.ResolveAsync(check, target, context, result, cancellationToken).ConfigureAwait(false);
        var address = addresses?[0];
        Pinger.Outcome? outcome = null;
        if (address is not null && IcmpSetup.Open(address, context, result) is { } session)
        {
            using (session)
            {
                outcome = await Pinger.RunAsync(session, address, section, check, context, result, cancellationToken).ConfigureAwait(false);
            }
        }

        result.Details = new IcmpDetails(context.ResolverFor(check).Name, addresses ?? [], address, outcome);
        Record(result, outcome);
        result.MeasureDurations(IcmpMeasurements.Durations, context.Time.GetElapsedTime(start));
        foreach (var phase in new[] { PhaseNames.Resolve, PhaseNames.Setup })
        {
            if (result.PhaseDuration(phase) is { } duration)
            {
                result.Sample(Duration, duration.TotalSeconds, phase);
            }
        }

        return result.Build();
    }

    public async ValueTask WarmUpAsync(ProbeContext context, Func<CheckDefinition, Task> run, CancellationToken cancellationToken)
    {
        // Echoes to loopback exercise the socket, the receiving thread and the parser before the run is
        // timed. Without permission they fail quietly; the run then reports path_permission_denied.
        var check = new CheckDefinition
        {
            Id = "warm-up", Name = "warm-up", Type = "icmp", Target = ResolutionWarmUp.Host, IpVersion = IpVersion.V4,
            Timeout = TimeSpan.FromSeconds(2),
            Section = new IcmpSection { Count = 1, ReplyTimeout = TimeSpan.FromMilliseconds(500) },
        };
        for (var round = 0; round < 3; round++)
        {
            await run(check with { Target = ResolutionWarmUp.HostFor(round) }).ConfigureAwait(false);
        }
    }

    private static void Record(ProbeResultBuilder result, Pinger.Outcome? outcome)
    {
        if (outcome is not { Sent: > 0 } o)
        {
            return;
        }

        result.Measure(IcmpMeasurements.PacketsSent, o.Sent);
        result.Measure(IcmpMeasurements.PacketsReceived, o.Rtt.Count);
        result.Measure(IcmpMeasurements.LossRatio, o.LossRatio);
        result.Sample(PacketsSent, o.Sent);
        result.Sample(PacketsReceived, o.Rtt.Count);
        if (o.Rtt.Count == 0)
        {
            return;
        }

        // The rtt phase is the average round trip, as the synthetic-monitoring agent reports it for several packets.
        result.Phase(PhaseNames.Rtt, o.Rtt.Average);
        result.Sample(Duration, o.Rtt.Average.TotalSeconds, PhaseNames.Rtt);
        result.Measure(IcmpMeasurements.RttMin, o.Rtt.Best.TotalMilliseconds);
        result.Measure(IcmpMeasurements.RttAvg, o.Rtt.Average.TotalMilliseconds);
        result.Measure(IcmpMeasurements.RttMax, o.Rtt.Worst.TotalMilliseconds);
        result.Measure(IcmpMeasurements.RttStdDev, o.Rtt.PopulationStdDev.TotalMilliseconds);
        result.Sample(RttMin, o.Rtt.Best.TotalSeconds);
        result.Sample(RttMax, o.Rtt.Worst.TotalSeconds);
        result.Sample(RttStdDev, o.Rtt.PopulationStdDev.TotalSeconds);
        if (o.ReplyHopLimit is { } hopLimit)
        {
            result.Sample(ReplyHopLimit, hopLimit);
        }
    }
}
