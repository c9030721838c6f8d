using System.Net;
using Sentinel.Probes.Protocols.Icmp;

namespace Sentinel.Probes.Paths;

/// <summary>
/// The cycles of one path run, as mtr sends them. The first cycle walks the path: TTL 1, 2, … one
/// <see cref="PathSection.WalkGap"/> apart, and stops once the destination (or a hop that answered
/// "unreachable") has answered, so that the destination gets one probe per cycle rather than a burst of every
/// TTL beyond it. Cycle k is due k intervals after the first (<see cref="EchoSchedule"/>) and sends one probe per
/// TTL up to the deepest one worth probing: the destination's once known, and never deeper than the walk has gone,
/// without waiting for answers.
/// </summary>
/// <remarks>
/// One loop sends the walk and the cycles in the order the schedule gives them: the walk's TTLs due before a cycle
/// go out before it, however late they run, so that every cycle probes the hops the schedule has walked by its time
/// (a walk in a loop of its own could lose the race to the next cycle on a busy node, which then skipped the hops
/// not walked yet). A late walk goes on one gap after its previous probe rather than catching up in a burst: a
/// burst puts the TTLs beyond the destination on it before its answer is read, and their ICMP answers use up the
/// destination's rate limit (Linux: icmp_msgs_burst, 50, per network namespace), so that the next cycles' UDP
/// probes go unanswered there.
/// </remarks>
internal sealed class PathTracer(IHopProbeSender sender, IPAddress target, PathSection section, TimeProvider time)
{
    private readonly HopStats[] _hops = Enumerable.Range(1, section.MaxHops).Select(h => new HopStats(h)).ToArray();
    private readonly List<Task> _probes = [];
    private readonly Lock _lock = new();
    private int _limit = section.MaxHops;
    private int _walked;
    private TimeSpan? _lastWalkSend;
    private int _cycles;
    private int? _destinationHop;
    private int? _unreachableHop;
    private EchoOutcome? _sendFailure;

    /// <summary>
    /// Runs every cycle and waits for the last answers (or their timeouts). When <paramref name="cancellationToken"/>
    /// cuts the run off, returns what came back until then, marked <see cref="PathTrace.CutOff"/>.
    /// </summary>
    public async Task<PathTrace> RunAsync(CancellationToken cancellationToken)
    {
        var schedule = new EchoSchedule(time);
        var cutOff = false;
        lock (_lock)
        {
            // The walk is the first cycle.
            _cycles++;
        }

        try
        {
            for (var cycle = 1; cycle < section.Cycles; cycle++)
            {
                var due = section.Interval * cycle;
                await WalkAsync(schedule, due, cancellationToken).ConfigureAwait(false);
                await schedule.WaitUntilAsync(due, cancellationToken).ConfigureAwait(false);
                int deepest;
                lock (_lock)
                {
                    if (_sendFailure is not null)
                    {
                        break;
                    }

                    deepest = Math.Min(_limit, _walked);
                    _cycles++;
                }

                for (var ttl = 1; ttl <= deepest; ttl++)
                {
                    Send(ttl, cancellationToken);
                }
            }

            // With few cycles and many hops the walk outlasts them.
            await WalkAsync(schedule, TimeSpan.MaxValue, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            cutOff = true;
        }

        Task[] probes;
        lock (_lock)
        {
            probes = [.. _probes];
        }

        await Task.WhenAll(probes).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        return Build(cutOff);
    }

    /// <summary>
    /// Walks on with the TTLs due on the schedule before <paramref name="until"/>, each at its time and never less than
    /// <see cref="PathSection.WalkGap"/> after the walk's previous probe; stops where the path ends.
    /// </summary>
    private async Task WalkAsync(EchoSchedule schedule, TimeSpan until, CancellationToken cancellationToken)
    {
        while (true)
        {
            // Only this method writes _walked, on the one loop that also runs the cycles: reading it needs no lock.
            var ttl = _walked + 1;
            var due = section.WalkGap * (ttl - 1);
            lock (_lock)
            {
                if (ttl > _limit || _sendFailure is not null || due >= until)
                {
                    return;
                }
            }

            var at = _lastWalkSend is { } last && last + section.WalkGap > due ? last + section.WalkGap : due;
            await schedule.WaitUntilAsync(at, cancellationToken).ConfigureAwait(false);
            lock (_lock)
            {
                // The answer that ends the path may have come while this waited.
                if (ttl > _limit || _sendFailure is not null)
                {
                    return;
                }

                _walked = ttl;
            }

            Send(ttl, cancellationToken);
            _lastWalkSend = schedule.Elapsed;
        }
    }

    private void Send(int ttl, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            _hops[ttl - 1].Sent++;
        }

        var probe = ProbeAsync(ttl, cancellationToken);
        lock (_lock)
        {
            _probes.Add(probe);
        }
    }

    private async Task ProbeAsync(int ttl, CancellationToken cancellationToken)
    {
        EchoOutcome outcome;
        try
        {
            outcome = await sender.SendAsync(ttl, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Still in flight when the run was cut off: its fate is unknown, so it counts neither as answered nor as
            // lost (mtr too leaves probes in transit out of the loss).
            lock (_lock)
            {
                _hops[ttl - 1].Sent--;
            }

            return;
        }

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
            var arrived = kind is IcmpReplyKind.EchoReply or IcmpReplyKind.Arrived;
            if (arrived || kind == IcmpReplyKind.Unreachable)
            {
                // The path ends here: the destination itself, or a hop that cannot deliver further.
                hop.IsDestination |= arrived;
                hop.UnreachableCode ??= kind == IcmpReplyKind.Unreachable ? outcome.Code : null;
                _limit = Math.Min(_limit, ttl);
                if (arrived)
                {
                    _destinationHop = Math.Min(_destinationHop ?? ttl, ttl);
                }
                else
                {
                    // Deeper probes sent before this answer came get the same answer from the same hop; the path ends at the first.
                    _unreachableHop = Math.Min(_unreachableHop ?? ttl, ttl);
                }
            }
        }
    }

    private PathTrace Build(bool cutOff)
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

            return new PathTrace(target, _hops.Take(last).Where(h => h.Sent > 0).ToList(), _destinationHop is not null, _sendFailure)
            {
                CutOff = cutOff,
                Cycles = _cycles,
            };
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

    /// <summary>Whether the check's timeout cut the run off; the hops then hold what came back until then.</summary>
    public bool CutOff { get; init; }

    /// <summary>The cycles that were started.</summary>
    public int Cycles { get; init; }
}
