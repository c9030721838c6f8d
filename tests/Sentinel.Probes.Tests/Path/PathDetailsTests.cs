using System.Net;
using Sentinel.Probes.Paths;
using Sentinel.Probes.Tests.Reporting;
using Xunit;

namespace Sentinel.Probes.Tests.Paths;

/// <summary>
/// The JSON and report lines of path details, pinned byte for byte: the results table stores the JSON, and the
/// <c>path_hops</c> view reads its fields.
/// </summary>
public sealed class PathDetailsTests
{
    [Fact]
    public void Details_UdpTraceWithLoadBalancedAndSilentHops_WritesTheGoldenJsonAndReport()
    {
        var target = IPAddress.Parse("198.18.0.9");
        var first = Hop(1, 4, ("198.18.0.1", 1.5), ("198.18.0.1", 2.25), ("198.18.0.1", 1.75));
        var balanced = Hop(2, 4, ("198.18.1.1", 3.5), ("198.18.2.1", 4.125), ("198.18.1.1", 3.0), ("198.18.2.1", 5.0));
        var silent = Hop(3, 4);
        var destination = Hop(4, 4, ("198.18.0.9", 6.0), ("198.18.0.9", 6.5));
        destination.UnreachableCode = 3;
        var section = new PathSection { Protocol = PathProtocol.Udp, Cycles = 4, Interval = TimeSpan.FromMilliseconds(250), Size = 64 };

        DetailsGolden.Matches("path-udp", new PathDetails(
            "system", [target, IPAddress.Parse("2001:db8::9")], section, new PathTrace(target, [first, balanced, silent, destination], Reached: true, SendFailure: null)));
    }

    [Fact]
    public void Details_IcmpTraceNotReached_WritesTheGoldenJsonAndReport()
    {
        var target = IPAddress.Parse("2001:db8::9");
        var section = new PathSection { Cycles = 2 };

        DetailsGolden.Matches("path-icmp", new PathDetails(
            "system", [target], section, new PathTrace(target, [Hop(1, 2, ("2001:db8::1", 0.75)), Hop(2, 2)], Reached: false, SendFailure: null)));
    }

    [Fact]
    public void Details_Unresolved_WritesTheGoldenJsonAndReport() =>
        DetailsGolden.Matches("path-unresolved", new PathDetails("192.0.2.53:53", [], new PathSection { Protocol = PathProtocol.Tcp }, trace: null));

    private static HopStats Hop(int number, int sent, params (string Address, double Ms)[] answers)
    {
        var hop = new HopStats(number) { Sent = sent };
        foreach (var (address, ms) in answers)
        {
            hop.Answer(IPAddress.Parse(address), TimeSpan.FromMilliseconds(ms));
        }

        return hop;
    }
}
