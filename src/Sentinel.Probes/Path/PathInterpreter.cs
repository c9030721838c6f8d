using System.Globalization;
using Sentinel.Probes.Probing;
using Sentinel.Probes.Protocols.Icmp;

namespace Sentinel.Probes.Paths;

/// <summary>
/// Reads a path run as an SRE reads an mtr report, by counts that chance cannot explain
/// (<see cref="LossComparison"/>). Loss at a hop that some hop behind it clearly does not share is the hop
/// rate-limiting (or de-prioritising) the ICMP answers it generates, not loss of traffic: a finding, never a
/// failure. Loss at the destination is real; <see cref="LossLocator"/> finds where it starts (<c>path_loss</c>),
/// or the range of hops it may start at when the run has too few probes to tell. A destination that never
/// answers makes <c>path_unreachable</c>, naming the last hop that did. A rise in round trip between
/// consecutive hops that lasts to the destination is a latency jump; one that does not is again only how a
/// router answers.
/// </summary>
internal static class PathInterpreter
{
    public const string RateLimitedFinding = "path.hop_rate_limited";
    public const string LatencyJumpFinding = "path.latency_jump";

    public static void Interpret(PathTrace trace, PathSection section, ProbeResultBuilder result)
    {
        var hops = trace.Hops;
        var rateLimited = RateLimitedHops(hops);
        foreach (var (hop, next) in rateLimited)
        {
            result.Finding(new Finding(RateLimitedFinding, FindingSeverity.Info,
                $"hop {Name(hop)} lost {Percent(hop.LossRatio)} of its probes, but hop {Name(next)} behind it lost {Percent(next.LossRatio)}: the loss does not carry on, so {Who(hop)} limits or de-prioritises the ICMP answers it sends; traffic through it is not lost",
                "not a fault: routers rate-limit the time-exceeded messages they generate (Linux: net.ipv4.icmp_ratelimit); judge loss by the destination and the hops after it",
                [
                    new("hop", hop.Hop.ToString(CultureInfo.InvariantCulture)),
                    new("address", hop.Address?.ToString() ?? "???"),
                    new("loss", $"{hop.Lost}/{hop.Sent}"),
                    new("next_hop_loss", $"{next.Lost}/{next.Sent}"),
                ]));
        }

        if (trace.Destination is { } destination)
        {
            if (destination.LossRatio > section.MaxLoss && destination.Lost > 0)
            {
                result.Problem(Loss(trace, section, destination, rateLimited.Select(r => r.Hop).ToHashSet()));
            }
        }
        else
        {
            result.Problem(Unreachable(trace, section));
        }

        LatencyJumps(hops, section, result);
    }

    /// <summary>
    /// Hops whose loss does not carry on: some later hop that answered (whose probes passed through this one)
    /// lost clearly less. Returns each with the later hop of least loss among those.
    /// </summary>
    internal static List<(HopStats Hop, HopStats Next)> RateLimitedHops(IReadOnlyList<HopStats> hops)
    {
        var found = new List<(HopStats, HopStats)>();
        for (var i = 0; i < hops.Count - 1; i++)
        {
            var hop = hops[i];
            var next = hops.Skip(i + 1)
                .Where(h => h.Received > 0 && LossComparison.ClearlyAbove(hop, h))
                .OrderBy(h => h.LossRatio)
                .FirstOrDefault();
            if (next is not null)
            {
                found.Add((hop, next));
            }
        }

        return found;
    }

    private static Problem Loss(PathTrace trace, PathSection section, HopStats destination, HashSet<HopStats> rateLimited)
    {
        var hops = trace.Hops;
        var (first, last) = LossLocator.Locate(hops, rateLimited);
        var from = first == 0 ? "this node" : $"hop {Name(hops[first - 1])}";
        var lost = $"{destination.Lost} of {destination.Sent} probes to {trace.Target} ({Percent(destination.LossRatio)}) were lost";
        if (first != last)
        {
            // Either too few cycles to tell which hop it is, or rate-limited hops in the way, whose own loss cannot show it.
            var limited = hops.Skip(first).Take(last - first).Where(rateLimited.Contains).ToList();
            var onlyLimited = limited.Count == last - first;
            var why = !onlyLimited ? $"{section.Cycles} cycles are too few to tell which"
                : limited.Count == 1 ? $"hop {Name(limited[0])} rate-limits its ICMP answers, so its own loss cannot tell"
                : $"hops {string.Join(", ", limited.Select(Name))} rate-limit their ICMP answers, so their own loss cannot tell";
            var fromWho = first == 0 ? "this node" : Who(hops[first - 1]);
            return new Problem(Layers.Path, FailureCategories.PathLoss,
                $"{lost}; the loss starts at one of hops {Name(hops[first])} to {Name(hops[last])} ({why}): packets are lost somewhere between {from} and hop {Name(hops[last])}",
                onlyLimited
                    ? $"look at the links from {fromWho} to {Who(hops[last])} (interface errors, congestion, a policer), or hand this report to whoever runs them"
                    : $"run more cycles to find the hop; until then suspect every link from {fromWho} to {Who(hops[last])} (interface errors, congestion, a policer)");
        }

        var start = hops[first];
        var carries = start == destination
            ? "at the destination itself"
            : $"at hop {Name(start)} and carries on to the destination";
        return new Problem(Layers.Path, FailureCategories.PathLoss,
            $"{lost}; the loss starts {carries}: packets are lost between {from} and hop {Name(start)}",
            first == 0
                ? "check this node's own link and the first router (interface errors, congestion)"
                : $"look at the link into {Who(start)} and at {Who(hops[first - 1])} (interface errors, congestion, a policer), or hand this report to whoever runs them");
    }

    private static Problem Unreachable(PathTrace trace, PathSection section)
    {
        if (trace.SendFailure is { SendError: { } error, SendErrorMessage: { } message })
        {
            // The kernel refused to send (no route, a local firewall): the path ends on this node.
            var problem = IcmpFailures.SendFailed(trace.Target, error, message);
            return problem.Layer == Layers.Icmp ? problem with { Layer = Layers.Path, Category = FailureCategories.PathUnreachable } : problem;
        }

        var answered = trace.Hops.LastOrDefault(h => h.Received > 0);
        if (answered is null)
        {
            return new Problem(Layers.Path, FailureCategories.PathUnreachable,
                $"no hop answered on the way to {trace.Target}, not even the first router",
                "check this node's own network (link, default route, a local firewall dropping ICMP), then the first router");
        }

        if (answered.UnreachableCode is { } code)
        {
            return new Problem(Layers.Path, FailureCategories.PathUnreachable,
                $"{trace.Target} was not reached: hop {Name(answered)} answered that it is unreachable ({IcmpFailures.UnreachableReason(trace.Target, code)})",
                $"check the routes and firewall rules of {answered.Address} for {trace.Target}");
        }

        return new Problem(Layers.Path, FailureCategories.PathUnreachable,
            $"{trace.Target} never answered; the path stops after hop {Name(answered)}, the last hop that answered",
            $"the next hop after {answered.Address} drops the probes or has no route to {trace.Target}, or {trace.Target} does not answer {Probes(section)}");
    }

    private static void LatencyJumps(IReadOnlyList<HopStats> hops, PathSection section, ProbeResultBuilder result)
    {
        var answering = hops.Where(h => h.Received > 0).ToList();
        for (var i = 1; i < answering.Count; i++)
        {
            var before = answering[i - 1];
            var hop = answering[i];
            var step = hop.Rtt.Average - before.Rtt.Average;

            // A step counts only when every hop after it stays that far above the hop before it; a single
            // slow hop is the router answering late (its CPU builds ICMP slowly), not latency on the path.
            var lasting = answering.Skip(i).Min(h => h.Rtt.Average) - before.Rtt.Average;
            if (step > section.LatencyJump && lasting > section.LatencyJump)
            {
                result.Finding(new Finding(LatencyJumpFinding, FindingSeverity.Warning,
                    $"the round trip rises by {Ms(step)} from hop {Name(before)} ({Ms(before.Rtt.Average)}) to hop {Name(hop)} ({Ms(hop.Rtt.Average)}) and stays up to the destination",
                    "a long link (distance), a congested queue or a detour between these hops; compare with the expected distance and with earlier runs",
                    [
                        new("from_hop", before.Hop.ToString(CultureInfo.InvariantCulture)),
                        new("to_hop", hop.Hop.ToString(CultureInfo.InvariantCulture)),
                        new("step_ms", Ms(step)),
                        new("threshold_ms", Ms(section.LatencyJump)),
                    ]));
            }
        }
    }

    /// <summary>What the run sent, for messages.</summary>
    private static string Probes(PathSection section) => section.Protocol switch
    {
        PathProtocol.Udp => $"UDP datagrams to port {section.Port} (a service there may take them without answering; probe a closed port)",
        PathProtocol.Tcp => $"TCP SYNs to port {section.Port}",
        _ => "ICMP echo",
    };

    /// <summary>The hop's address, or "hop N" when it never answered.</summary>
    internal static string Who(HopStats hop) => hop.Address?.ToString() ?? $"hop {hop.Hop}";

    internal static string Name(HopStats hop) => $"{hop.Hop} ({hop.Address?.ToString() ?? "???"})";

    private static string Percent(double ratio) => (ratio * 100).ToString("0.#", CultureInfo.InvariantCulture) + "%";

    private static string Ms(TimeSpan duration) => duration.TotalMilliseconds.ToString("0.0##", CultureInfo.InvariantCulture) + " ms";
}
