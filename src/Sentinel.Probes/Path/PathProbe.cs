using System.Globalization;
using System.Net;
using Sentinel.Probes.Checks;
using Sentinel.Probes.Probing;
using Sentinel.Probes.Protocols.Icmp;
using Sentinel.Probes.Resolving;

namespace Sentinel.Probes.Paths;

/// <summary>
/// <c>type: "path"</c>: mtr in a check. Sends probes (ICMP echo, or UDP or TCP SYN to a port) with TTL 1, 2, … to the host in cycles, and
/// reports per hop the addresses that answered, loss and round trips (the columns of <c>mtr --report</c>),
/// then reads the report as an SRE would (see <see cref="PathInterpreter"/>) and compares the route with
/// the last run's (<see cref="RouteHistory"/>).
/// </summary>
internal sealed class PathProbe : IProbe, IWarmUp
{
    public static readonly MetricDescriptor LossRatio = new(
        "sentinel_path_loss_ratio", "Share of the last run's probes to the destination that got no answer (1 when it never answered).");

    public static readonly MetricDescriptor Rtt = new(
        "sentinel_path_rtt_seconds", "Round trip to the destination in the last run, by stat: last, avg, best, worst, stddev.", "s", "stat");

    public static readonly MetricDescriptor Hops = new(
        "sentinel_path_hops", "Hops to the destination in the last run (to the last hop listed when it was not reached).");

    public static readonly MetricDescriptor HopLoss = new(
        "sentinel_path_hop_loss_ratio", "Share of the last run's probes without an answer, per hop (TTL).", null, "hop")
    {
        SeriesPerCheck = PathSection.MaxHopsLimit,
    };

    public static readonly MetricDescriptor HopRtt = new(
        "sentinel_path_hop_rtt_seconds", "Average round trip per hop (TTL) in the last run; absent for a hop that did not answer.", "s", "hop")
    {
        SeriesPerCheck = PathSection.MaxHopsLimit,
    };

    /// <summary>1 for a hop whose loss the run read as rate limiting (the finding path.hop_rate_limited), 0 for the others.</summary>
    public static readonly MetricDescriptor HopRateLimited = new(
        "sentinel_path_hop_rate_limited", "Per hop (TTL): 1 when the last run read its loss as ICMP rate limiting (a later hop lost clearly less), 0 otherwise; absent for a run cut off by the timeout.", null, "hop")
    {
        SeriesPerCheck = PathSection.MaxHopsLimit,
    };

    /// <summary>The check id of the warm-up runs: not a slug (ids start with a letter or digit), so no check has it.</summary>
    internal const string WarmUpCheckId = "_warm-up";

    public static ProbeType Type { get; } = new()
    {
        Name = "path",
        Summary = "mtr-style: per-hop loss and round trips to the host, telling real loss from ICMP rate limiting.",
        Probe = new PathProbe(),
        ReadSection = PathSection.Read,
        ValidateTarget = IcmpTarget.Validate,
        ValidateCheck = (check, path) => PathSection.Validate(check).Select(e => (JsonPath.Member(path, e.Item1), e.Item2)),
        Durations = PathMeasurements.Durations,
        Measurements = PathMeasurements.All,
        Metrics = [TargetResolution.LookupTime, TargetResolution.IpProtocol, TargetResolution.IpAddrHash, LossRatio, Rtt, Hops, HopLoss, HopRtt, HopRateLimited],
    };

    public async ValueTask<ProbeResult> RunAsync(CheckDefinition check, ProbeContext context, CancellationToken cancellationToken)
    {
        var section = check.SectionAs<PathSection>() ?? new PathSection();
        var target = IcmpTarget.TryParse(check.Target, out var parsed, out var error) ? parsed : throw new ArgumentException(error, nameof(check));
        var result = new ProbeResultBuilder(check);
        var start = context.Time.GetTimestamp();
        var addresses = await TargetResolution.ResolveAsync(check, target, context, result, cancellationToken).ConfigureAwait(false);
        var address = addresses?[0];
        PathTrace? trace = null;
        if (address is not null && IcmpSetup.Open(address, context, result) is { } session)
        {
            using (session)
            {
                trace = await TraceAsync(session, address, section, check, context, result, cancellationToken).ConfigureAwait(false);
            }
        }

        // Details first: whatever the comparison with the stored route meets, the hops are in the result.
        result.Details = new PathDetails(context.ResolverFor(check).Name, addresses ?? [], section, trace);
        if (trace is not null)
        {
            Record(trace, result);

            // A run cut off by the timeout keeps its hops and figures, but is not read: its last cycles are missing,
            // so the loss they show and the route they trace are not the run's.
            if (!trace.CutOff)
            {
                PathInterpreter.Interpret(trace, section, result);
                if (check.Id != WarmUpCheckId)
                {
                    await RouteHistory.CompareAsync(check, trace, context, result, cancellationToken).ConfigureAwait(false);
                }
            }
        }

        result.MeasureDurations(PathMeasurements.Durations, context.Time.GetElapsedTime(start));
        return result.Build();
    }

    public async ValueTask WarmUpAsync(ProbeContext context, Func<CheckDefinition, Task> run, CancellationToken cancellationToken)
    {
        // Loopback is one hop away: this runs the socket, the receiving thread, the parser and the
        // interpretation before the real run is timed, under a check id no check can have, and without the
        // route history: a route stored under a real check's id would make its next run a false route change.
        var check = new CheckDefinition
        {
            Id = WarmUpCheckId, Name = "warm-up", Type = "path", Target = ResolutionWarmUp.Host, IpVersion = IpVersion.V4,
            Timeout = TimeSpan.FromSeconds(2),
            Section = new PathSection { Cycles = 2, Interval = TimeSpan.FromMilliseconds(10), MaxHops = 2, ReplyTimeout = TimeSpan.FromMilliseconds(500) },
        };
        for (var round = 0; round < 3; round++)
        {
            await run(check with { Target = ResolutionWarmUp.HostFor(round) }).ConfigureAwait(false);
        }
    }

    private static async Task<PathTrace> TraceAsync(
        IcmpSession session, IPAddress address, PathSection section, CheckDefinition check, ProbeContext context, ProbeResultBuilder result, CancellationToken cancellationToken)
    {
        var start = context.Time.GetTimestamp();
        var sender = HopProbeSenders.Create(session, address, section, context.Time);
        var trace = await new PathTracer(sender, address, section, context.Time).RunAsync(cancellationToken).ConfigureAwait(false);
        result.Phase(PhaseNames.Trace, context.Time.GetElapsedTime(start));
        if (trace.CutOff)
        {
            result.Fail(Layers.Probe, FailureCategories.ProbeError,
                $"the run was cut off by the check's timeout ({Duration.Format(check.Timeout)}) in cycle {trace.Cycles} of {section.Cycles}; the hops show what came back until then",
                "resolving the target or this node's load took the time the cycles needed; raise the timeout");
        }

        return trace;
    }

    private static void Record(PathTrace trace, ProbeResultBuilder result)
    {
        result.Measure(PathMeasurements.Hops, trace.Hops.Count);
        result.Sample(Hops, trace.Hops.Count);
        if (trace.Hops.Count > 0)
        {
            result.Measure(PathMeasurements.WorstHopLossRatio, trace.Hops.Max(h => h.LossRatio));
        }

        // A cut-off run is not interpreted, so it says nothing about rate limiting.
        var rateLimited = trace.CutOff ? null : PathInterpreter.RateLimitedHops(trace.Hops).Select(r => r.Hop.Hop).ToHashSet();
        foreach (var hop in trace.Hops)
        {
            var label = hop.Hop.ToString(CultureInfo.InvariantCulture);
            result.Sample(HopLoss, hop.LossRatio, label);
            if (rateLimited is not null)
            {
                result.Sample(HopRateLimited, rateLimited.Contains(hop.Hop) ? 1 : 0, label);
            }

            if (hop.Received > 0)
            {
                result.Sample(HopRtt, hop.Rtt.Average.TotalSeconds, label);
            }
        }

        var destination = trace.Destination;
        var loss = destination?.LossRatio ?? 1;
        result.Measure(PathMeasurements.LossRatio, loss);
        result.Sample(LossRatio, loss);
        if (destination is not { Received: > 0 })
        {
            return;
        }

        foreach (var (measurement, stat, value) in new[]
        {
            (PathMeasurements.RttLast, "last", destination.Rtt.Last), (PathMeasurements.RttAvg, "avg", destination.Rtt.Average),
            (PathMeasurements.RttBest, "best", destination.Rtt.Best), (PathMeasurements.RttWorst, "worst", destination.Rtt.Worst),
            (PathMeasurements.RttStdDev, "stddev", destination.Rtt.SampleStdDev),
        })
        {
            result.Measure(measurement, value.TotalMilliseconds);
            result.Sample(Rtt, value.TotalSeconds, stat);
        }
    }
}
