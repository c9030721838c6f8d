using System.Net;
using Sentinel.Probes.Checks;
using Sentinel.Probes.Probing;
using Sentinel.Probes.Protocols.Icmp;

namespace Sentinel.Probes.Icmp;

/// <summary>
/// The echo requests of one <c>icmp</c> run: sends them <c>interval</c> apart on an absolute schedule
/// (<see cref="EchoSchedule"/>) without waiting for answers (as ping does), collects the round trips, and
/// classifies a run without any echo reply.
/// </summary>
internal static class Pinger
{
    public static async Task<Outcome> RunAsync(
        IcmpSession session, IPAddress target, IcmpSection section, CheckDefinition check, ProbeContext context, ProbeResultBuilder result, CancellationToken cancellationToken)
    {
        var schedule = new EchoSchedule(context.Time);
        var probes = new List<Task<EchoOutcome>>(section.Count);
        var cutOff = false;
        try
        {
            for (var i = 0; i < section.Count; i++)
            {
                await schedule.WaitUntilAsync(section.Interval * i, cancellationToken).ConfigureAwait(false);
                probes.Add(session.ProbeAsync(target, section.Ttl, section.Size, section.ReplyTimeout, cancellationToken));
            }

            await Task.WhenAll(probes).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            cutOff = true;
            await Task.WhenAll(probes.Cast<Task>()).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }

        // Requests still in flight when the run was cut off have no known fate: they count neither as answered nor as lost.
        var outcomes = probes.Where(p => p.IsCompletedSuccessfully).Select(p => p.Result).ToList();
        var rtt = new RttStats();
        foreach (var outcome in outcomes.Where(o => o.Kind == IcmpReplyKind.EchoReply))
        {
            rtt.Add(outcome.Rtt);
        }

        if (cutOff)
        {
            result.Fail(Layers.Probe, FailureCategories.ProbeError,
                $"the run was cut off by the check's timeout ({Duration.Format(check.Timeout)}) after {probes.Count} of {section.Count} echo requests; the figures count the {outcomes.Count} answered or timed out by then",
                "resolving the target or this node's load took the time the requests needed; raise the timeout");
        }
        else if (rtt.Count == 0)
        {
            result.Problem(NoReply(target, section, outcomes, session));
        }

        var last = outcomes.LastOrDefault(o => o.Kind == IcmpReplyKind.EchoReply);
        return new Outcome(outcomes.Count, rtt) { ReplyHopLimit = last.HopLimit };
    }

    private static Problem NoReply(IPAddress target, IcmpSection section, List<EchoOutcome> outcomes, IcmpSession session)
    {
        if (outcomes.FirstOrDefault(o => o.SendError is not null) is { SendError: { } sendError } failed)
        {
            return IcmpFailures.SendFailed(target, sendError, failed.SendErrorMessage!);
        }

        if (outcomes.FirstOrDefault(o => o.Kind is IcmpReplyKind.Unreachable or IcmpReplyKind.TimeExceeded) is { From: { } router } answer)
        {
            return answer.Kind == IcmpReplyKind.TimeExceeded
                ? new Problem(Layers.Icmp, FailureCategories.IcmpUnreachable,
                    $"the echo requests to {target} ran out of TTL ({section.Ttl}) at {router} before reaching it",
                    $"a routing loop or a path longer than {section.Ttl} hops; a path check to {target} shows where")
                : new Problem(Layers.Icmp, FailureCategories.IcmpUnreachable,
                    $"{router} answered that {target} is unreachable ({IcmpFailures.UnreachableReason(target, answer.Code)})",
                    $"check the routes and firewall rules of {router} for {target}");
        }

        if (session.ReceiveError is { } receiveError)
        {
            return new Problem(Layers.Probe, FailureCategories.ProbeError,
                $"reading ICMP answers failed on this node: {receiveError.Message} ({receiveError.SocketErrorCode})",
                "a fault of this Sentinel node; the target may be fine");
        }

        return new Problem(Layers.Icmp, FailureCategories.IcmpTimeout,
            $"no echo reply from {target} to {section.Count} echo requests within {Duration.Format(section.ReplyTimeout)} each",
            $"{target} may be down, or a firewall drops ICMP echo on the way or at the host; a path check shows where the answers stop");
    }

    /// <summary>What a run sent and got back.</summary>
    public sealed record Outcome(int Sent, RttStats Rtt)
    {
        /// <summary>The TTL of the last echo reply, when the socket saw its IP header (IPv4).</summary>
        public byte? ReplyHopLimit { get; init; }

        public double LossRatio => Sent == 0 ? 0 : (Sent - Rtt.Count) / (double)Sent;
    }
}
