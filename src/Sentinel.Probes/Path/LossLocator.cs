namespace Sentinel.Probes.Paths;

/// <summary>
/// Where real loss starts on a path, by the counts alone (<see cref="LossComparison"/>). The loss starts after
/// the last hop whose loss is clearly below the destination's: every probe to a later hop crosses the same
/// links, so from there on no hop loses clearly less than the destination. It is located at one hop only when
/// that hop's own loss is also clearly above the hop before it (above none at all for the first hop); with too
/// few probes to tell, the result is the range of hops it may start at. A rate-limited hop says nothing either
/// way, since its own ICMP answers explain its loss; it can only lie inside the range.
/// </summary>
internal static class LossLocator
{
    /// <summary>The hops (indexes into the run's hops) at which the loss may start, from the earliest to the latest.</summary>
    public static LossStart Locate(IReadOnlyList<HopStats> hops, IReadOnlySet<HopStats> rateLimited)
    {
        var destination = hops.Count - 1;
        var clean = -1;
        for (var i = 0; i < destination; i++)
        {
            if (!rateLimited.Contains(hops[i]) && LossComparison.ClearlyAbove(hops[destination], hops[i]))
            {
                clean = i;
            }
        }

        var first = clean + 1;
        for (var i = first; i < destination; i++)
        {
            var hop = hops[i];
            var clearlyLossy = clean >= 0
                ? LossComparison.ClearlyAbove(hop, hops[clean])
                : LossComparison.ClearlyAbove(hop.Lost, hop.Sent, 0, hop.Sent);
            if (!rateLimited.Contains(hop) && clearlyLossy)
            {
                return new LossStart(first, i);
            }
        }

        return new LossStart(first, destination);
    }
}

/// <summary>The hops at which loss may start, as indexes into the run's hops.</summary>
/// <param name="First">The earliest hop it may start at.</param>
/// <param name="Last">The latest hop it may start at.</param>
internal readonly record struct LossStart(int First, int Last)
{
    /// <summary>Whether the counts tell the one hop.</summary>
    public bool Located => First == Last;
}
