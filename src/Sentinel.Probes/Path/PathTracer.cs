using System.Net;
using Sentinel.Probes.Icmp;

namespace Sentinel.Probes.Paths;

/// <summary>
/// The cycles of one path run, as mtr sends them: each cycle sends one probe per TTL from 1 to the deepest
/// TTL still worth probing, without waiting for answers; cycles start <c>interval</c> apart. Once the
/// destination has answered at TTL d, later cycles stop at d (deeper probes would only reach it again),
/// and so does a hop that answered "unreachable".
/// </summary>
internal sealed class PathTracer(IcmpSession session, IPAddress target, PathSection section, TimeProvider time)
{
    private readonly HopStats[] _hops = Enumerable.Range(1, section.MaxHops).Select(h => new HopStats(h)).ToArray();
    private readonly Lock _lock = new();
    private int _limit = section.MaxHops;
    private int? _destinationHop;
    private int? _unreachableHop;
    private EchoOutcome? _sendFailure;

    /// <summary>Runs every cycle and waits for the last answers (or their timeouts).</summary>
    public async Task<PathTrace> RunAsync(CancellationToken cancellationToken)
    {
        var probes = new List<Task>();
        for (var cycle = 0; cycle < section.Cycles; cycle++)
        {
            if (cycle > 0)
            {
                await Task.Delay(section.Interval, time, cancellationToken).ConfigureAwait(false);
            }

            int limit;
            lock (_lock)
            {
                limit = _limit;
                if (_sendFailure is not null)
                {
                    break;
                }
            }

            for (var ttl = 1; ttl <= limit; ttl++)
            {
                lock (_lock)
                {
                    _hops[ttl - 1].Sent++;
                }

                probes.Add(ProbeAsync(ttl, cancellationToken));
            }
        }

        await Task.WhenAll(probes).ConfigureAwait(false);
        return Build();
    }

    private async Task ProbeAsync(int ttl, CancellationToken cancellationToken)
    {
        var outcome = await session.ProbeAsync(target, ttl, section.Size, section.ReplyTimeout, cancellationToken).ConfigureAwait(false);
        lock (_lock)
        {
            var hop = _hops[ttl - 1];
            if (outcome.SendError is not null)
            {
                hop.Sent--;
                _sendFailure ??= outcome;
                return;
            }

            if (outcome is not { Kind: { } kind, From: { } from })
            {
                return;
            }

            hop.Answer(from, outcome.Rtt);
            if (kind == IcmpReplyKind.EchoReply || kind == IcmpReplyKind.Unreachable)
            {
                // The path ends here: the destination itself, or a hop that cannot deliver further.
                hop.IsDestination |= kind == IcmpReplyKind.EchoReply;
                hop.UnreachableCode ??= kind == IcmpReplyKind.Unreachable ? outcome.Code : null;
                _limit = Math.Min(_limit, ttl);
                if (kind == IcmpReplyKind.EchoReply)
                {
                    _destinationHop = Math.Min(_destinationHop ?? ttl, ttl);
                }
                else
                {
                    // Deeper probes of the first cycle get the same answer from the same hop; the path ends at the first.
                    _unreachableHop = Math.Min(_unreachableHop ?? ttl, ttl);
                }
            }
        }
    }

    private PathTrace Build()
    {
        lock (_lock)
        {
            // Like mtr: up to the destination when it answered, or to the first hop that answered
            // "unreachable"; otherwise up to the last hop that answered anything, plus the first silent hop
            // after it, which is where the path is lost.
            int last;
            if (_destinationHop is { } destination)
            {
                last = destination;
            }
            else if (_unreachableHop is { } unreachable)
            {
                last = unreachable;
            }
            else
            {
                var answered = Array.FindLastIndex(_hops, h => h.Received > 0) + 1;
                last = Math.Min(answered + 1, section.MaxHops);
            }

            return new PathTrace(target, _hops.Take(last).Where(h => h.Sent > 0).ToList(), _destinationHop is not null, _sendFailure);
        }
    }
}

/// <summary>The hops of one run, up to the destination (or to where the path was lost).</summary>
/// <param name="Target">The address probed.</param>
/// <param name="Hops">The hops in TTL order.</param>
/// <param name="Reached">Whether the destination answered.</param>
/// <param name="SendFailure">Why probes could not be sent, when the kernel refused them.</param>
internal sealed record PathTrace(IPAddress Target, IReadOnlyList<HopStats> Hops, bool Reached, EchoOutcome? SendFailure)
{
    /// <summary>The destination's hop when it answered.</summary>
    public HopStats? Destination => Reached ? Hops[^1] : null;
}
