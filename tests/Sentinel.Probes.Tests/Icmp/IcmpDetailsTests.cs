using System.Net;
using Sentinel.Probes.Icmp;
using Sentinel.Probes.Protocols.Icmp;
using Sentinel.Probes.Tests.Reporting;
using Xunit;

namespace Sentinel.Probes.Tests.Icmp;

/// <summary>The JSON and report lines of icmp details, pinned byte for byte.</summary>
public sealed class IcmpDetailsTests
{
    [Fact]
    public void Details_Pinged_WritesTheGoldenJsonAndReport()
    {
        var rtt = new RttStats();
        foreach (var ms in new[] { 1.25, 0.5, 2.125 })
        {
            rtt.Add(TimeSpan.FromMilliseconds(ms));
        }

        DetailsGolden.Matches("icmp-pinged", new IcmpDetails(
            "system", [IPAddress.Parse("192.0.2.7"), IPAddress.Parse("192.0.2.8")], IPAddress.Parse("192.0.2.7"), new Pinger.Outcome(4, rtt)));
    }

    [Fact]
    public void Details_NothingCameBack_WritesTheGoldenJsonAndReport() =>
        DetailsGolden.Matches("icmp-lost", new IcmpDetails("system", [IPAddress.Parse("2001:db8::7")], IPAddress.Parse("2001:db8::7"), new Pinger.Outcome(3, new RttStats())));

    [Fact]
    public void Details_Unresolved_WritesTheGoldenJsonAndReport() =>
        DetailsGolden.Matches("icmp-unresolved", new IcmpDetails("192.0.2.53:53", [], target: null, outcome: null));
}
